import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, pod } from './harness.js';

const serverScript = join(dirname(fileURLToPath(import.meta.url)), 'durability-server.js');

async function startChild(dir: string): Promise<{ child: ChildProcess; client: Client }> {
  const child = spawn(process.execPath, [serverScript, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const ready = JSON.parse(line) as { url: string; ca: string; token: string };
  return { child, client: new Client(ready.url, ready.ca, ready.token) };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

interface Change { type: 'ADDED' | 'MODIFIED' | 'DELETED'; name: string; rv: string }

test('kill -9 loses nothing acknowledged; a watch resumed after restart sees every later change exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-durability-'));
  const pods = '/api/v1/namespaces/default/pods';
  try {
    let { child, client } = await startChild(dir);
    const changes: Change[] = [];
    const acknowledged = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const r = await client.post(pods, pod(`d${i}`));
      assert.equal(r.status, 201);
      changes.push({ type: 'ADDED', name: `d${i}`, rv: r.json.metadata.resourceVersion });
      acknowledged.set(`d${i}`, r.json.metadata.resourceVersion);
    }
    const resumeFrom = changes[9]!.rv;
    for (let i = 0; i < 5; i++) {
      const r = await client.patch(`${pods}/d${i}`, { metadata: { labels: { v: '2' } } }, 'application/merge-patch+json');
      changes.push({ type: 'MODIFIED', name: `d${i}`, rv: r.json.metadata.resourceVersion });
      acknowledged.set(`d${i}`, r.json.metadata.resourceVersion);
    }
    for (const i of [18, 19]) {
      const r = await client.delete(`${pods}/d${i}`);
      assert.equal(r.status, 200);
      changes.push({ type: 'DELETED', name: `d${i}`, rv: r.json.metadata.resourceVersion });
      acknowledged.delete(`d${i}`);
    }
    // A burst of creates, killed while requests are still in flight: whatever was acknowledged must survive.
    const burst = Array.from({ length: 200 }, (_, i) => client.post(pods, pod(`k${i}`)).then((r) => {
      if (r.status === 201) acknowledged.set(`k${i}`, r.json.metadata.resourceVersion);
    }).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGKILL');
    await Promise.all(burst);
    await exited(child);
    client.close();

    ({ child, client } = await startChild(dir));
    try {
      const list = await client.get(pods);
      const stored = new Map<string, string>(list.json.items.map((p: { metadata: { name: string; resourceVersion: string } }) => [p.metadata.name, p.metadata.resourceVersion]));
      for (const [name, rv] of acknowledged) assert.equal(stored.get(name), rv, `${name} lost or changed`);
      for (const gone of ['d18', 'd19']) assert.equal(stored.has(gone), false);

      // Resume a watch from the middle of the first phase: every later change once, in order.
      const expected = changes.filter((c) => Number(c.rv) > Number(resumeFrom));
      const events = await client.watch(`${pods}?watch=1&resourceVersion=${resumeFrom}`, (e) => e.filter((x) => !x.object.metadata.name.startsWith('k')).length >= expected.length + 1, { timeoutMs: 3000 });
      const early = events.filter((e) => !e.object.metadata.name.startsWith('k')).map((e) => ({ type: e.type, name: e.object.metadata.name, rv: e.object.metadata.resourceVersion }));
      assert.deepEqual(early, expected);
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b), 'in revision order');
      assert.equal(new Set(rvs).size, rvs.length, 'nothing twice');
      const after = await client.post(pods, pod('after-restart'));
      assert.ok(Number(after.json.metadata.resourceVersion) > Math.max(...rvs));
    } finally {
      client.close();
      child.kill('SIGKILL');
      await exited(child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
