/** The agent endpoint on its own: who may call it, and exec/logs/stats against a real runc container. */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import {
  LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
} from '../../../src/agent/container-labels.js';
import { startAgentServer, type AgentServer, type StatsSummary } from '../../../src/agent/server/agent-server.js';
import { Channel, PROTOCOL_V4, PROTOCOL_V5, frame } from '../../../src/agent/server/remote-command.js';
import { ensurePki, signCertificate, type Pki } from '../../../src/apiserver/pki.js';
import { makeRuntimeFixture, type RuntimeFixture } from '../../runtime/runtime-fixture.js';

const canRun = process.getuid?.() === 0;

interface Answer {
  code: number;
  body: string;
}

describe('agent endpoint', { skip: canRun ? false : 'needs root and runc' }, () => {
  let fx: RuntimeFixture;
  let pki: Pki;
  let agent: AgentServer;
  const id = 'pod1_main_0';

  const call = (path: string, cred?: { cert: string; key: string }): Promise<Answer> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: agent.port, path, rejectUnauthorized: false, ...(cred ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const apiServer = () => ({ cert: pki.clientCertPem, key: pki.clientKeyPem });

  /** Opens an exec WebSocket as the API server and collects what comes back. */
  const exec = (query: string, protocol = PROTOCOL_V5) => {
    const ws = new WebSocket(`wss://127.0.0.1:${agent.port}/exec/default/web/main?${query}`, [protocol], { ...apiServer(), rejectUnauthorized: false });
    const out: Record<number, string> = {};
    const done = new Promise<{ out: Record<number, string>; code: number }>((resolve, reject) => {
      ws.on('message', (m: Buffer) => { out[m[0]!] = (out[m[0]!] ?? '') + m.subarray(1).toString(); });
      ws.on('close', (code) => resolve({ out, code }));
      ws.on('error', reject);
    });
    const open = new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return { ws, open, done };
  };

  before(async () => {
    fx = makeRuntimeFixture('agent-endpoint');
    pki = await ensurePki(join(fx.dir, 'pki'));
    await fx.runtime.run(id, fx.config(['sh', '-c', 'echo started; echo second; exec sleep 300'], {
      labels: { [LABEL_POD_UID]: 'pod1', [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_NAME]: 'web', [LABEL_CONTAINER_NAME]: 'main', [LABEL_ATTEMPT]: '0' },
    }), { logPath: fx.logPath(id) });
    agent = await startAgentServer({ nodeName: 'n1', runtime: fx.runtime, clientCa: pki.caCertPem, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await agent?.close();
    await fx?.cleanup();
  });

  test('only the API server gets in: no certificate 401, another CA 401, another CN 403', async () => {
    const none = await call('/healthz');
    assert.equal(none.code, 401);
    assert.match(JSON.parse(none.body).message, /serves only the API server/);

    const foreign = await ensurePki(join(fx.dir, 'other-pki'));
    assert.equal((await call('/healthz', { cert: foreign.clientCertPem, key: foreign.clientKeyPem })).code, 401);

    const someone = await signCertificate(pki, { commonName: 'system:node:n2', usage: 'client' });
    const forbidden = await call('/healthz', { cert: someone.certPem, key: someone.keyPem });
    assert.equal(forbidden.code, 403);
    assert.match(JSON.parse(forbidden.body).message, /system:node:n2/);

    assert.deepEqual(await call('/healthz', apiServer()), { code: 200, body: 'ok' });
  });

  test('a stream upgrade without the right certificate is refused before anything runs', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${agent.port}/exec/default/web/main?command=touch&command=/tmp/pwned&stdout=1`, [PROTOCOL_V5], { rejectUnauthorized: false });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(status, 401);
    const r = exec('command=ls&command=/tmp&stdout=1');
    assert.doesNotMatch((await r.done).out[Channel.stdout] ?? '', /pwned/);
  });

  test('container logs by pod and container name, with kubelet parameters', async () => {
    const all = await call('/containerLogs/default/web/main', apiServer());
    assert.deepEqual(all, { code: 200, body: 'started\nsecond\n' });
    assert.equal((await call('/containerLogs/default/web/main?tailLines=1', apiServer())).body, 'second\n');
    assert.match((await call('/containerLogs/default/web/main?timestamps=true&limitBytes=100', apiServer())).body, /^\d{4}-.*Z started\n/);
    const missing = await call('/containerLogs/default/web/other', apiServer());
    assert.equal(missing.code, 404);
    assert.match(JSON.parse(missing.body).message, /container "other" in pod "web" is not available/);
    const previous = await call('/containerLogs/default/web/main?previous=true', apiServer());
    assert.equal(previous.code, 400);
    assert.match(JSON.parse(previous.body).message, /previous terminated container "main" in pod "web" not found/);
  });

  test('exec: stdout, stderr, exit status on the error channel, normal close', async () => {
    const r = exec('command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%205&stdout=1&stderr=1');
    const { out, code } = await r.done;
    assert.equal(code, 1000);
    assert.equal(out[Channel.stdout], 'out\n');
    assert.equal(out[Channel.stderr], 'err\n');
    const status = JSON.parse(out[Channel.error]!);
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '5' }]);
  });

  test('exec: stdin ends with the v5 close signal', async () => {
    const r = exec('command=wc&command=-c&stdin=1&stdout=1');
    await r.open;
    r.ws.send(frame(Channel.stdin, 'twelve bytes'));
    r.ws.send(frame(Channel.close, Buffer.from([Channel.stdin])));
    const { out } = await r.done;
    assert.equal(out[Channel.stdout]?.trim(), '12');
    assert.equal(JSON.parse(out[Channel.error]!).status, 'Success');
  });

  test('exec: v4 works too (stdin ends when the client closes)', async () => {
    const r = exec('command=echo&command=v4&stdout=1', PROTOCOL_V4);
    await r.open;
    assert.equal(r.ws.protocol, PROTOCOL_V4);
    assert.equal((await r.done).out[Channel.stdout], 'v4\n');
  });

  test('exec with a terminal follows resize messages', async () => {
    const r = exec('command=sh&stdin=1&stdout=1&tty=1');
    await r.open;
    r.ws.send(frame(Channel.resize, JSON.stringify({ Width: 100, Height: 30 })));
    await new Promise((res) => setTimeout(res, 200));
    r.ws.send(frame(Channel.stdin, 'stty size\n'));
    await new Promise((res) => setTimeout(res, 300));
    r.ws.send(frame(Channel.resize, JSON.stringify({ Width: 132, Height: 50 })));
    await new Promise((res) => setTimeout(res, 200));
    r.ws.send(frame(Channel.stdin, 'stty size; exit 0\n'));
    const { out } = await r.done;
    assert.match(out[Channel.stdout] ?? '', /30 100/);
    assert.match(out[Channel.stdout] ?? '', /50 132/);
  });

  test('exec into a container that is not running is refused before the upgrade', async () => {
    const stopped = 'pod1_idle_0';
    await fx.runtime.run(stopped, fx.config(['true'], {
      labels: { [LABEL_POD_UID]: 'pod1', [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_NAME]: 'web', [LABEL_CONTAINER_NAME]: 'idle', [LABEL_ATTEMPT]: '0' },
    }), { logPath: fx.logPath(stopped) });
    await fx.runtime.waitExit(stopped, 5000);
    const ws = new WebSocket(`wss://127.0.0.1:${agent.port}/exec/default/web/idle?command=true&stdout=1`, [PROTOCOL_V5], { ...apiServer(), rejectUnauthorized: false });
    const answer = await new Promise<{ code: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d; }).on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
    });
    assert.equal(answer.code, 404);
    assert.match(JSON.parse(answer.body).message, /container "idle" in pod "web" is not running/);
  });

  test('stats summary: the running container with CPU in nanocores and its working set', async () => {
    const burn = 'pod2_burn_0';
    await fx.runtime.run(burn, fx.config(['sh', '-c', 'while :; do :; done'], {
      labels: { [LABEL_POD_UID]: 'pod2', [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_NAME]: 'burner', [LABEL_CONTAINER_NAME]: 'burn', [LABEL_ATTEMPT]: '0' },
      resources: { cpuLimitMilli: 300 },
    }), { logPath: fx.logPath(burn) });
    const answer = await call('/stats/summary', apiServer());
    assert.equal(answer.code, 200);
    const summary = JSON.parse(answer.body) as StatsSummary;
    assert.equal(summary.node.nodeName, 'n1');
    assert.ok((summary.node.cpu.usageNanoCores ?? 0) > 0);
    assert.ok(summary.node.memory.workingSetBytes > 0);
    const burner = summary.pods.find((p) => p.podRef.name === 'burner');
    assert.ok(burner, JSON.stringify(summary.pods));
    const cpu = burner.containers[0]!.cpu.usageNanoCores!;
    assert.ok(cpu > 75e6 && cpu < 400e6, `the burner spins under a 0.3-core cap, measured ${cpu / 1e6}m`);
    assert.ok(burner.containers[0]!.memory.workingSetBytes > 0);
    // Exited containers are not in the summary.
    assert.equal(summary.pods.find((p) => p.podRef.name === 'web')?.containers.some((c) => c.name === 'idle'), false);
  });
});
