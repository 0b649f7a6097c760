/** Child process for the durability test: an API server over DIR; prints {url, ca, token} as one JSON line. */
import { join } from 'node:path';
import { pino } from 'pino';
import { ensurePki } from '../../src/apiserver/pki.js';
import { startApiServer } from '../../src/apiserver/server.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const dir = process.argv[2]!;
const pki = await ensurePki(join(dir, 'pki'));
const store = await openSqliteStore(join(dir, 'state.db'));
const server = await startApiServer({
  store, host: '127.0.0.1', port: 0, tls: { cert: pki.servingCertPem, key: pki.servingKeyPem },
  tokens: new Map([[pki.adminToken, { username: 'admin', groups: ['system:masters'] }]]), logger: pino({ level: 'silent' }),
});
process.stdout.write(`${JSON.stringify({ url: server.url, ca: pki.caCertPem, token: pki.adminToken })}\n`);
