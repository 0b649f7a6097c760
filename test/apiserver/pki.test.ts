import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensurePki, signCertificate } from '../../src/apiserver/pki.js';

test('ensurePki creates a CA, serving and client certificates and a token, 0600, and reuses them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-pki-'));
  try {
    const pki = await ensurePki(dir, { hosts: ['10.1.2.3', 'api.example.test'] });
    for (const path of Object.values(pki.paths)) assert.equal(statSync(path).mode & 0o777, 0o600, path);
    assert.ok(pki.adminToken.length >= 43);
    const ca = new X509Certificate(pki.caCertPem);
    const serving = new X509Certificate(pki.servingCertPem);
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(serving.checkHost('localhost'));
    assert.ok(serving.checkHost(hostname()));
    assert.ok(serving.checkHost('api.example.test'));
    assert.ok(serving.checkIP('127.0.0.1'));
    assert.ok(serving.checkIP('10.1.2.3'));
    assert.equal(serving.checkHost('other.example.test'), undefined);
    assert.ok(serving.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'serverAuth');
    const client = new X509Certificate(pki.clientCertPem);
    assert.match(client.subject, /CN=stratus-apiserver/);
    assert.ok(client.verify(ca.publicKey));
    assert.ok(client.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'clientAuth');

    const again = await ensurePki(dir, { hosts: ['10.1.2.3'] });
    assert.equal(again.caCertPem, pki.caCertPem);
    assert.equal(again.servingCertPem, pki.servingCertPem);
    assert.equal(again.adminToken, pki.adminToken);

    const widened = await ensurePki(dir, { hosts: ['10.9.9.9'] });
    assert.equal(widened.caCertPem, pki.caCertPem);
    assert.notEqual(widened.servingCertPem, pki.servingCertPem);
    assert.ok(new X509Certificate(widened.servingCertPem).checkIP('10.9.9.9'));

    const node = await signCertificate(pki, { commonName: 'system:node:n1', organizations: ['system:nodes'], hosts: ['n1'], usage: 'server-and-client' });
    assert.ok(new X509Certificate(node.certPem).verify(ca.publicKey));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
