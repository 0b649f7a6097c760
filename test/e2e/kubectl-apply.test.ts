import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStratusServer, type StratusServer } from './harness.js';
import { appManifest, NAMESPACE } from './manifests.js';

let server: StratusServer;
before(async () => { server = await startStratusServer(); });
after(async () => { await server?.stop(); });

test('kubectl apply of a multi-document manifest creates every object', async () => {
  const out = await server.kubectlOk(['apply', '-f', '-'], { input: appManifest() });
  assert.deepEqual(out.trim().split('\n'), [
    `namespace/${NAMESPACE} created`,
    'configmap/app-config created',
    'secret/app-secret created',
    'deployment.apps/web created',
    'service/web created',
  ]);
  const cm = JSON.parse(await server.kubectlOk(['get', 'configmap', 'app-config', '-n', NAMESPACE, '-o', 'json']));
  assert.equal(cm.data.greeting, 'hello');
  assert.ok(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('re-applying the same manifest changes nothing', async () => {
  const out = await server.kubectlOk(['apply', '-f', '-'], { input: appManifest() });
  assert.deepEqual(out.trim().split('\n'), [
    `namespace/${NAMESPACE} unchanged`,
    'configmap/app-config unchanged',
    'secret/app-secret unchanged',
    'deployment.apps/web unchanged',
    'service/web unchanged',
  ]);
});

test('applying a changed manifest configures only what changed', async () => {
  const out = await server.kubectlOk(['apply', '-f', '-'], { input: appManifest({ configValue: 'bonjour', replicas: 3 }) });
  assert.deepEqual(out.trim().split('\n'), [
    `namespace/${NAMESPACE} unchanged`,
    'configmap/app-config configured',
    'secret/app-secret unchanged',
    'deployment.apps/web configured',
    'service/web unchanged',
  ]);
  assert.equal(await server.kubectlOk(['get', 'configmap', 'app-config', '-n', NAMESPACE, '-o', 'jsonpath={.data.greeting}']), 'bonjour');
  assert.equal(await server.kubectlOk(['get', 'deployment', 'web', '-n', NAMESPACE, '-o', 'jsonpath={.spec.replicas}']), '3');
});

test('re-applying a Secret written with stringData says "configured", as Kubernetes does (kubernetes#87736)', async () => {
  const secret = `apiVersion: v1
kind: Secret
metadata:
  name: plain-text
  namespace: ${NAMESPACE}
stringData:
  token: abc
`;
  assert.equal((await server.kubectlOk(['apply', '-f', '-'], { input: secret })).trim(), 'secret/plain-text created');
  assert.equal((await server.kubectlOk(['apply', '-f', '-'], { input: secret })).trim(), 'secret/plain-text configured');
  assert.equal(await server.kubectlOk(['get', 'secret', 'plain-text', '-n', NAMESPACE, '-o', 'jsonpath={.data.token}']), Buffer.from('abc').toString('base64'));
});

test('kubectl apply --server-side creates, then updates with field ownership', async () => {
  const manifest = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
  namespace: ${NAMESPACE}
data:
  key: ${value}
`;
  assert.equal((await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: manifest('one') })).trim(), 'configmap/ssa serverside-applied');
  assert.equal((await server.kubectlOk(['apply', '--server-side', '-f', '-'], { input: manifest('two') })).trim(), 'configmap/ssa serverside-applied');
  const cm = JSON.parse(await server.kubectlOk(['get', 'configmap', 'ssa', '-n', NAMESPACE, '-o', 'json', '--show-managed-fields']));
  assert.equal(cm.data.key, 'two');
  assert.ok((cm.metadata.managedFields ?? []).some((f: { manager: string; operation: string }) => f.manager === 'kubectl' && f.operation === 'Apply'));
});

test('kubectl apply rejects an invalid object with the field path', async () => {
  const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
  namespace: ${NAMESPACE}
spec:
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
      - name: c
`;
  const result = await server.kubectl(['apply', '-f', '-'], { input: bad });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /spec\.template\.spec\.containers\[0\]\.image/);
});
