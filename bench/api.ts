/**
 * API server benchmark (`npm run bench -- api [creates]`): the server runs in a child process over a fresh SQLite
 * store; this process drives it over HTTPS with keep-alive and a bearer token, like a client would. Prints
 *   - pod creates/s through the API (concurrency 64) next to raw store inserts/s of the same bytes (baselines:
 *     64 in flight, which the store group-commits, and one at a time, one commit each),
 *   - p50/p99 create latency at a steady 500 creates/s,
 *   - how long one change takes to reach 100 open watchers.
 */
import Fastify from 'fastify';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ensurePki } from '../src/apiserver/pki.js';
import { startApiServer } from '../src/apiserver/server.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { measureRawInserts } from './store-raw.js';

interface Ready { url: string; echoUrl: string; ca: string; token: string }

const CONCURRENCY = 64;

async function serve(dir: string): Promise<void> {
  const pki = await ensurePki(join(dir, 'pki'));
  const store = await openSqliteStore(join(dir, 'api.db'));
  const server = await startApiServer({
    store, host: '127.0.0.1', port: 0, tls: { cert: pki.servingCertPem, key: pki.servingKeyPem },
    tokens: new Map([[pki.adminToken, { username: 'admin', groups: ['system:masters'] }]]), logger: pino({ level: 'warn' }),
  });
  const echo = await startEchoServer(pki.servingCertPem, pki.servingKeyPem, pki.adminToken);
  process.send!({ url: server.url, echoUrl: echo.url, ca: pki.caCertPem, token: pki.adminToken } satisfies Ready);
  process.on('disconnect', () => void Promise.all([server.close(), echo.close()]).then(() => store.close()).then(() => process.exit(0)));
}

/**
 * The transport floor: the same HTTPS, keep-alive and token check in fastify, and a handler that only parses the
 * pod and sends it back, so the report shows how much of a create is the API's own work.
 */
async function startEchoServer(cert: string, key: string, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ https: { cert, key }, keepAliveTimeout: 65_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${token}`) await reply.code(401).send();
  });
  app.post('/api/v1/namespaces/:namespace/pods', async (request, reply) => {
    const pod = JSON.parse((request.body as Buffer).toString('utf8')) as { metadata: Record<string, unknown> };
    pod.metadata.uid = 'echo';
    return reply.code(201).type('application/json').send(JSON.stringify(pod));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { url: `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => app.close() };
}

function podBody(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: 'bench', tier: 'web' }, annotations: { 'bench/purpose': 'throughput' } },
    spec: { containers: [{ name: 'web', image: 'registry.local/web:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'bench' }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  });
}

class Client {
  private readonly agent: https.Agent;
  constructor(private readonly ready: Ready, private readonly baseUrl = ready.url) {
    this.agent = new https.Agent({ ca: ready.ca, keepAlive: true, maxSockets: CONCURRENCY * 2 });
  }

  request(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${this.ready.token}`, accept: 'application/json', 'user-agent': 'stratus-bench/1.0' };
      if (body) { headers['content-type'] = 'application/json'; headers['content-length'] = String(Buffer.byteLength(body)); }
      const req = https.request(`${this.baseUrl}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async createPod(ns: string, name: string): Promise<void> {
    const r = await this.request('POST', `/api/v1/namespaces/${ns}/pods`, podBody(name));
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text.slice(0, 200)}`);
  }

  /** Opens a watch; resolves once the response headers arrived. `onLine` gets each event line. */
  watch(path: string, onLine: (line: string) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.ready.url}${path}`, { method: 'GET', headers: { authorization: `Bearer ${this.ready.token}` }, agent: false, ca: this.ready.ca }, (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) { onLine(buffer.slice(0, nl)); buffer = buffer.slice(nl + 1); }
        });
        resolve(() => req.destroy());
      });
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
      req.end();
    });
  }

  close(): void { this.agent.destroy(); }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function createThroughput(client: Client, ns: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await client.createPod(ns, `tp-${next++}`);
  }));
  return count / ((performance.now() - started) / 1000);
}

async function steadyLatency(client: Client, ns: string, ratePerSecond: number, seconds: number): Promise<{ p50: number; p99: number; achieved: number }> {
  const total = ratePerSecond * seconds;
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    inflight.push(client.createPod(ns, `lat-${i}`).then(() => { latencies.push(performance.now() - t0); }));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), achieved: total / elapsed };
}

async function watchFanOut(client: Client, ns: string, watchers: number, rounds: number): Promise<{ median: number; max: number }> {
  const rv = JSON.parse((await client.request('GET', `/api/v1/namespaces/${ns}/pods?limit=1`)).text).metadata.resourceVersion as string;
  let pending: { name: string; remaining: number; t0: number; done: (ms: number) => void } | undefined;
  const closers: Array<() => void> = [];
  for (let i = 0; i < watchers; i++) {
    closers.push(await client.watch(`/api/v1/namespaces/${ns}/pods?watch=1&resourceVersion=${rv}`, (line) => {
      if (pending && line.includes(`"name":"${pending.name}"`) && --pending.remaining === 0) pending.done(performance.now() - pending.t0);
    }));
  }
  await new Promise((r) => setTimeout(r, 200));
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const name = `fan-${round}`;
    const reached = new Promise<number>((resolve) => { pending = { name, remaining: watchers, t0: performance.now(), done: resolve }; });
    await client.createPod(ns, name);
    results.push(await reached);
  }
  for (const close of closers) close();
  results.sort((a, b) => a - b);
  return { median: percentile(results, 50), max: results[results.length - 1]! };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20000);
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-api-'));
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server process.
  const execArgv = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dir], { stdio: 'inherit', execArgv });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const client = new Client(ready);
    for (const ns of ['bench-tp', 'bench-lat', 'bench-watch', 'bench-warm']) await client.request('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }));
    await createThroughput(client, 'bench-warm', 5000); // steady state: the server's hot paths compiled

    const creates = await createThroughput(client, 'bench-tp', count);
    const echoClient = new Client(ready, ready.echoUrl);
    await createThroughput(echoClient, 'bench-warm', 5000);
    const echo = await createThroughput(echoClient, 'bench-tp', count);
    echoClient.close();
    const size = Buffer.byteLength(podBody('tp-00000')) + 250;
    const raw = await measureRawInserts(dir, count, size, CONCURRENCY);
    const rawSerial = await measureRawInserts(dir, count, size, 1);
    const latency = await steadyLatency(client, 'bench-lat', 500, 6);
    const fan = await watchFanOut(client, 'bench-watch', 100, 20);
    client.close();

    const f = (n: number, d = 0) => n.toFixed(d);
    console.log(`api creates/s (HTTPS, auth, validation, store; concurrency ${CONCURRENCY}, ${count} pods): ${f(creates)}   [target >= 2000]`);
    console.log(`raw store inserts/s, one at a time (one commit each; baseline):          ${f(rawSerial)}   [api within ${f(rawSerial / creates, 1)}x; target <= 5x]`);
    console.log(`raw store inserts/s, ${CONCURRENCY} in flight (group commit; baseline):          ${f(raw)}   [api within ${f(raw / creates, 1)}x]`);
    console.log(`transport floor: HTTPS echo of the pod, same client (baseline):        ${f(echo)}   [api at ${f((creates / echo) * 100)}% of it]`);
    console.log(`create latency at a steady 500/s (achieved ${f(latency.achieved)}/s): p50 ${f(latency.p50, 1)} ms, p99 ${f(latency.p99, 1)} ms   [target p99 < 20 ms]`);
    console.log(`one change to 100 open watchers (20 rounds): median ${f(fan.median, 1)} ms, max ${f(fan.max, 1)} ms`);
  } finally {
    child.disconnect();
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') void serve(process.argv[3]!);
else await main();
