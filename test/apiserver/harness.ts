/** Test harness: an API server on a random port over a temp-dir SQLite store, and an HTTPS client that trusts its CA. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { pino } from 'pino';
import { ensurePki, type Pki } from '../../src/apiserver/pki.js';
import { startApiServer, type ApiServer } from '../../src/apiserver/server.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body bytes or text (sent as is). */
  raw?: string | Buffer;
  contentType?: string;
  accept?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

export class Client {
  readonly agent: https.Agent;
  constructor(readonly url: string, readonly ca: string, readonly token: string) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 64 });
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (options.accept) headers['accept'] = options.accept;
    let payload: Buffer | undefined;
    if (options.raw !== undefined) payload = Buffer.isBuffer(options.raw) ? options.raw : Buffer.from(options.raw);
    else if (options.body !== undefined) payload = Buffer.from(JSON.stringify(options.body));
    if (payload) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.url), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get(path: string, options?: RequestOptions): Promise<Response> { return this.request('GET', path, options); }
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response> { return this.request('POST', path, { ...options, body }); }
  put(path: string, body: unknown, options?: RequestOptions): Promise<Response> { return this.request('PUT', path, { ...options, body }); }
  patch(path: string, body: unknown, contentType: string, options?: RequestOptions): Promise<Response> { return this.request('PATCH', path, { ...options, body, contentType }); }
  delete(path: string, body?: unknown, options?: RequestOptions): Promise<Response> { return this.request('DELETE', path, { ...options, body }); }

  /** Opens a watch and collects events until `until` returns true or the stream ends. */
  watch(path: string, until: (events: WatchEventLine[]) => boolean, options: { accept?: string; timeoutMs?: number } = {}): Promise<WatchEventLine[]> {
    return new Promise((resolve, reject) => {
      const events: WatchEventLine[] = [];
      let buffer = '';
      const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
      if (options.accept) headers['accept'] = options.accept;
      const req = https.request(new URL(path, this.url), { method: 'GET', headers, agent: this.agent }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.trim()) events.push(JSON.parse(line) as WatchEventLine);
          }
          if (until(events)) { clearTimeout(timer); req.destroy(); resolve(events); }
        });
        res.on('end', () => { clearTimeout(timer); resolve(events); });
      });
      const timer = setTimeout(() => { req.destroy(); resolve(events); }, options.timeoutMs ?? 5000);
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
      req.end();
    });
  }

  close(): void { this.agent.destroy(); }
}

export interface WatchEventLine {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

export interface TestServer {
  dir: string;
  pki: Pki;
  store: Store;
  server: ApiServer;
  client: Client;
  stop(): Promise<void>;
}

export async function startTestServer(options: { dir?: string } = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stratus-apiserver-'));
  const pki = await ensurePki(join(dir, 'pki'));
  const store = await openSqliteStore(join(dir, 'state.db'));
  const logger = pino({ level: process.env['STRATUS_TEST_LOG'] ?? 'silent' });
  const tokens = new Map([[pki.adminToken, { username: 'admin', groups: ['system:masters'] }]]);
  const server = await startApiServer({ store, host: '127.0.0.1', port: 0, tls: { cert: pki.servingCertPem, key: pki.servingKeyPem }, tokens, logger });
  const client = new Client(server.url, pki.caCertPem, pki.adminToken);
  return {
    dir, pki, store, server, client,
    async stop() {
      client.close();
      await server.close();
      await store.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra };
}
