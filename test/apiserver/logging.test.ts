import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ensurePki } from '../../src/apiserver/pki.js';
import { startApiServer } from '../../src/apiserver/server.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { Client } from './harness.js';

test('one debug line per request; tokens and Secret data never reach the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-log-'));
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
  const pki = await ensurePki(join(dir, 'pki'));
  const store = await openSqliteStore(join(dir, 'state.db'));
  const server = await startApiServer({
    store, host: '127.0.0.1', port: 0, tls: { cert: pki.servingCertPem, key: pki.servingKeyPem },
    tokens: new Map([[pki.adminToken, { username: 'admin', groups: [] }]]), logger: pino({ level: 'debug' }, sink),
  });
  const client = new Client(server.url, pki.caCertPem, pki.adminToken);
  try {
    const secret = 'TOPSECRETVALUE';
    await client.post('/api/v1/namespaces/default/secrets', { metadata: { name: 's' }, stringData: { password: secret } });
    await client.post('/api/v1/namespaces/default/secrets', { metadata: { name: 'bad' }, data: { password: 12 } });
    await client.get('/api/v1/namespaces/default/secrets/s', { token: 'wrong-token-value' });
    await client.get('/api/v1/namespaces/default/secrets/s');
    const requestLines = lines.filter((l) => JSON.parse(l).msg === 'request');
    assert.equal(requestLines.length, 4);
    const all = lines.join('\n');
    for (const leak of [secret, Buffer.from(secret).toString('base64'), pki.adminToken, 'wrong-token-value']) assert.ok(!all.includes(leak), `log contains ${leak}`);
  } finally {
    client.close();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
