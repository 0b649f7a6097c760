/**
 * The patch engines and selectors behind a real server, driven by the real kubectl: client-side apply patches,
 * the upgrade to server-side apply, conflicts and --force-conflicts, pruning, and selector errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStratusServer, type StratusServer } from '../../e2e/harness.js';

const NS = 'default';
let server: StratusServer;
before(async () => { server = await startStratusServer(); });
after(async () => { await server?.stop(); });

function deployment(name: string, opts: { replicas?: number; image?: string; sidecar?: boolean; strategy?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
  labels: {app: ${name}}
spec:
${opts.replicas !== undefined ? `  replicas: ${opts.replicas}\n` : ''}${opts.strategy ? `  strategy: ${opts.strategy}\n` : ''}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: ${opts.image ?? 'nginx:1'}
        env: [{name: A, value: "1"}]
${opts.sidecar ? '      - name: side\n        image: envoy:1\n' : ''}`;
}

async function getJson(name: string): Promise<Record<string, any>> {
  return JSON.parse(await server.kubectlOk(['get', 'deployment', name, '-n', NS, '-o', 'json', '--show-managed-fields']));
}

test('client-side apply: changed image, removed sidecar, strategy switch through $retainKeys', async () => {
  await server.kubectlOk(['apply', '-f', '-'], { input: deployment('csa', { replicas: 1, sidecar: true }) });
  await server.kubectlOk(['apply', '-f', '-'], { input: deployment('csa', { replicas: 1, image: 'nginx:2', strategy: '{type: Recreate}' }) });
  const d = await getJson('csa');
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['web=nginx:2']);
  assert.deepEqual(d.spec.strategy, { type: 'Recreate' }, 'rollingUpdate defaults dropped by $retainKeys');
  assert.equal((await server.kubectlOk(['apply', '-f', '-'], { input: deployment('csa', { replicas: 1, image: 'nginx:2', strategy: '{type: Recreate}' }) })).trim(), 'deployment.apps/csa unchanged');
});

test('server-side apply after client-side apply, then conflicts with another writer, then --force-conflicts', async () => {
  await server.kubectlOk(['apply', '-f', '-'], { input: deployment('mixed', { replicas: 1 }) });
  // The upgrade: kubectl migrates ownership, and fields still as last applied may change without a conflict.
  await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: deployment('mixed', { replicas: 2 }) });
  let d = await getJson('mixed');
  assert.equal(d.spec.replicas, 2);
  assert.ok(d.metadata.managedFields.some((e: { manager: string; operation: string }) => e.manager === 'kubectl' && e.operation === 'Apply'));

  await server.kubectlOk(['patch', 'deployment', 'mixed', '-n', NS, '--type', 'merge', '-p', '{"spec":{"replicas":5}}', '--field-manager', 'autoscaler']);
  const conflict = await server.kubectl(['apply', '--server-side', '-f', '-'], { input: deployment('mixed', { replicas: 3 }) });
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "autoscaler" using apps\/v1: \.spec\.replicas/);

  await server.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: deployment('mixed', { replicas: 3 }) });
  d = await getJson('mixed');
  assert.equal(d.spec.replicas, 3);
  const autoscaler = d.metadata.managedFields.find((e: { manager: string }) => e.manager === 'autoscaler');
  assert.equal(autoscaler?.fieldsV1?.['f:spec']?.['f:replicas'], undefined, 'the forced field changed hands');
});

test('server-side apply prunes what the manifest no longer has', async () => {
  await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: deployment('ssa', { replicas: 2, sidecar: true }) });
  await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: deployment('ssa', {}) });
  const d = await getJson('ssa');
  assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['web']);
  assert.equal(d.metadata.name, 'ssa');
});

test('strategic, merge and JSON patches from kubectl patch', async () => {
  await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: deployment('patched', { replicas: 1 }) });
  await server.kubectlOk(['patch', 'deployment', 'patched', '-n', NS, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","$patch":"delete"},{"name":"B","value":"2"}]}]}}}}']);
  let d = await getJson('patched');
  assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'B', value: '2' }]);
  await server.kubectlOk(['patch', 'deployment', 'patched', '-n', NS, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":4}]']);
  d = await getJson('patched');
  assert.equal(d.spec.replicas, 4);
  const failed = await server.kubectl(['patch', 'deployment', 'patched', '-n', NS, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":1}]']);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /test operation failed/);
});

test('label and field selectors, and their errors', async () => {
  const names = async (args: string[]) => (await server.kubectlOk(['get', 'deployments', '-n', NS, '-o', 'name', ...args])).trim().split('\n').filter(Boolean).sort();
  assert.deepEqual(await names(['-l', 'app in (csa, ssa)']), ['deployment.apps/csa', 'deployment.apps/ssa']);
  assert.deepEqual(await names(['-l', 'app,app notin (csa,ssa,mixed)']), ['deployment.apps/patched']);
  assert.deepEqual(await names(['--field-selector', 'metadata.name=mixed']), ['deployment.apps/mixed']);
  const bad = await server.kubectl(['get', 'deployments', '-n', NS, '-l', 'app in (x']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unable to parse requirement/);
  const unsupported = await server.kubectl(['get', 'deployments', '-n', NS, '--field-selector', 'spec.foo=1']);
  assert.notEqual(unsupported.code, 0);
  assert.match(unsupported.stderr, /field label not supported: spec\.foo/);
});
