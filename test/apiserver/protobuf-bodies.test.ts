import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './harness.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
let t: TestServer;
let home: string;

before(async () => {
  t = await startTestServer();
  home = mkdtempSync(join(tmpdir(), 'stratus-kubectl-'));
  writeFileSync(join(home, 'kubeconfig'), [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: s, cluster: {server: "${t.server.url}", certificate-authority-data: ${Buffer.from(t.pki.caCertPem).toString('base64')}}}]`,
    `users: [{name: a, user: {token: ${t.pki.adminToken}}}]`,
    'contexts: [{name: s, context: {cluster: s, user: a}}]', 'current-context: s', '',
  ].join('\n'));
});
after(async () => {
  await t.stop();
  rmSync(home, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<{ stdout: string }> {
  return run(KUBECTL, ['--kubeconfig', join(home, 'kubeconfig'), '--cache-dir', join(home, 'cache'), ...args], { env: { ...process.env, HOME: home } });
}

// kubectl's typed clients (`kubectl create namespace|configmap|secret|deployment|service`) send protobuf bodies.
test('kubectl create with protobuf request bodies', { skip: !existsSync(KUBECTL) && 'no kubectl' }, async () => {
  await kubectl('create', 'namespace', 'pb').then(({ stdout }) => assert.match(stdout, /created/));
  await kubectl('-n', 'pb', 'create', 'configmap', 'cm', '--from-literal=k=v');
  await kubectl('-n', 'pb', 'create', 'secret', 'generic', 'sec', '--from-literal=p=s3cret');
  await kubectl('-n', 'pb', 'create', 'deployment', 'web', '--image=busybox', '--replicas=0');
  await kubectl('-n', 'pb', 'create', 'service', 'clusterip', 'svc', '--tcp=80:8080');

  const cm = (await t.client.get('/api/v1/namespaces/pb/configmaps/cm')).json;
  assert.deepEqual(cm.data, { k: 'v' });
  assert.equal(cm.metadata.creationTimestamp.endsWith('Z'), true);
  const secret = (await t.client.get('/api/v1/namespaces/pb/secrets/sec')).json;
  assert.equal(Buffer.from(secret.data.p, 'base64').toString(), 's3cret');
  const deploy = (await t.client.get('/apis/apps/v1/namespaces/pb/deployments/web')).json;
  assert.equal(deploy.spec.replicas, 0, 'an explicit zero survives');
  assert.equal(deploy.spec.template.spec.containers[0].image, 'busybox');
  assert.deepEqual(deploy.spec.selector.matchLabels, { app: 'web' });
  const svc = (await t.client.get('/api/v1/namespaces/pb/services/svc')).json;
  assert.equal(svc.spec.ports[0].targetPort, 8080);
  assert.match(svc.spec.clusterIP, /^10\./);
});

test('malformed protobuf bodies are 400', async () => {
  for (const raw of [Buffer.from('k8s\0'), Buffer.from('nope'), Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff]), Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x02, 0x0a, 0x05])]) {
    const r = await t.client.request('POST', '/api/v1/namespaces/default/configmaps', { raw, contentType: 'application/vnd.kubernetes.protobuf' });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.kind, 'Status');
  }
});
