import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeconfigError, readKubeconfig, writeKubeconfig } from '../../src/client/kubeconfig.js';

test('a written kubeconfig reads back, private to its owner', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'admin.kubeconfig');
  const ca = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';
  writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caData: ca, token: 'tok' });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readKubeconfig(path), {
    server: 'https://127.0.0.1:6443', caData: ca, token: 'tok',
    certData: undefined, keyData: undefined, insecureSkipTlsVerify: false,
  });
});

test('file references resolve relative to the kubeconfig; a missing context is a clear error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'token'), 'secret\n');
  const path = join(dir, 'config');
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters: [{name: k, cluster: {server: "https://h:1/", certificate-authority: ca.crt}}]',
    'users: [{name: u, user: {tokenFile: token}}]',
    'contexts: [{name: c, context: {cluster: k, user: u}}]',
  ].join('\n'));
  const config = readKubeconfig(path);
  assert.equal(config.server, 'https://h:1');
  assert.equal(config.caData, 'CA');
  assert.equal(config.token, 'secret');
  assert.throws(() => readKubeconfig(path, 'nope'), KubeconfigError);
});
