import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIGMAPS, NAMESPACES } from '../../src/client/resources.js';
import { startStratusServer, waitUntil, type StratusServer } from './harness.js';

let server: StratusServer;
const ns = 'cascade';
const n = ['-n', ns];

before(async () => {
  server = await startStratusServer();
  // Fixtures go in through our own client; the deletes under test go through kubectl.
  await server.client.create(NAMESPACES, { metadata: { name: ns } });
});
after(async () => { await server?.stop(); });

/** An owner ConfigMap and `count` dependents pointing at it (blocking owner deletion). */
async function family(owner: string, count: number): Promise<void> {
  const created = await server.client.create(CONFIGMAPS, { metadata: { name: owner, namespace: ns } });
  const uid = created.metadata?.uid;
  const docs = Array.from({ length: count }, (_, i) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${owner}-dep-${i}
  namespace: ${ns}
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: ${owner}
    uid: ${uid}
    blockOwnerDeletion: true
`).join('---\n');
  await server.kubectlOk(['apply', '-f', '-'], { input: docs });
}

async function names(): Promise<string[]> {
  const out = await server.kubectlOk(['get', 'configmaps', '-o', 'jsonpath={.items[*].metadata.name}', ...n]);
  return out.split(/\s+/).filter(Boolean);
}

test('kubectl delete --cascade=background removes the owner at once and its dependents soon after', async () => {
  await family('bg', 2);
  const out = await server.kubectlOk(['delete', 'configmap', 'bg', '--cascade=background', ...n]);
  assert.equal(out.trim(), 'configmap "bg" deleted');
  await waitUntil(async () => !(await names()).some((name) => name.startsWith('bg')), 'the dependents to be collected');
});

test('kubectl delete --cascade=foreground returns once dependents and owner are gone', async () => {
  await family('fg', 2);
  const out = await server.kubectlOk(['delete', 'configmap', 'fg', '--cascade=foreground', ...n], { timeoutMs: 60_000 });
  assert.equal(out.trim(), 'configmap "fg" deleted');
  assert.ok(!(await names()).some((name) => name.startsWith('fg')), 'kubectl waited for the whole family');
});

test('kubectl delete --cascade=orphan keeps dependents without the ownerReference', async () => {
  await family('or', 1);
  const out = await server.kubectlOk(['delete', 'configmap', 'or', '--cascade=orphan', ...n], { timeoutMs: 60_000 });
  assert.equal(out.trim(), 'configmap "or" deleted');
  assert.deepEqual((await names()).filter((name) => name.startsWith('or')), ['or-dep-0']);
  const refs = await server.kubectlOk(['get', 'configmap', 'or-dep-0', '-o', 'jsonpath={.metadata.ownerReferences}', ...n]);
  assert.equal(refs, '');
});

test('kubectl delete namespace empties it and it goes away', async () => {
  await server.client.create(NAMESPACES, { metadata: { name: 'short-lived' } });
  await server.client.create(CONFIGMAPS, { metadata: { name: 'c', namespace: 'short-lived' } });
  const out = await server.kubectlOk(['delete', 'namespace', 'short-lived'], { timeoutMs: 60_000 });
  assert.equal(out.trim(), 'namespace "short-lived" deleted');
  const after = await server.kubectl(['get', 'namespace', 'short-lived']);
  assert.match(after.stderr, /NotFound/);
});

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: busybox:1.36
`;

async function countOf(resource: string, app: string): Promise<number> {
  const out = await server.kubectlOk(['get', resource, '-l', `app=${app}`, '-o', 'name', ...n]);
  return out.split('\n').filter(Boolean).length;
}

test('a Deployment deleted in the foreground takes its ReplicaSet and pods with it', async () => {
  await server.kubectlOk(['apply', '-f', '-'], { input: deployment('fg-web') });
  await waitUntil(async () => (await countOf('replicasets', 'fg-web')) === 1 && (await countOf('pods', 'fg-web')) === 2, 'the ReplicaSet and its pods');
  const out = await server.kubectlOk(['delete', 'deployment', 'fg-web', '--cascade=foreground', ...n], { timeoutMs: 60_000 });
  assert.equal(out.trim(), 'deployment.apps "fg-web" deleted');
  assert.equal(await countOf('replicasets', 'fg-web'), 0, 'kubectl returned only after the ReplicaSet was gone');
  await waitUntil(async () => (await countOf('pods', 'fg-web')) === 0, 'the pods to go');
});

test('a Deployment deleted with --cascade=orphan leaves its ReplicaSet running', async () => {
  await server.kubectlOk(['apply', '-f', '-'], { input: deployment('or-web') });
  await waitUntil(async () => (await countOf('replicasets', 'or-web')) === 1, 'the ReplicaSet');
  await server.kubectlOk(['delete', 'deployment', 'or-web', '--cascade=orphan', ...n], { timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await countOf('replicasets', 'or-web'), 1);
  const owners = await server.kubectlOk(['get', 'replicasets', '-l', 'app=or-web', '-o', 'jsonpath={.items[0].metadata.ownerReferences}', ...n]);
  assert.equal(owners, '');
});
