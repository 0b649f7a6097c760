import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/client/api-client.js';
import { CONFIGMAPS } from '../../src/client/resources.js';
import { freePort, REPO_ROOT, run } from '../e2e/harness.js';

const STRATUS = join(REPO_ROOT, 'bin/stratus.js');

test('stratus --help lists the commands', async () => {
  const result = await run(process.execPath, [STRATUS, '--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /server \[options\]\s+run the control plane/);
  assert.match(result.stdout, /up \[options\]\s+run an all-in-one cluster/);
});

test('a bad flag is refused with a hint', async () => {
  const result = await run(process.execPath, [STRATUS, 'server', '--port', 'http']);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /expected a port number/);
});

/** Starts `stratus server`, waits for the banner, returns the child and its stdout so far. */
async function startServer(dir: string, port: number) {
  const child = spawn(process.execPath, [STRATUS, 'server', '--data-dir', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('Press Ctrl+C')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${stderr.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

test('stratus server prints how to use its kubeconfig, keeps state across restarts and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const kubeconfig = join(dir, 'admin.kubeconfig');

  const first = await startServer(dir, port);
  assert.match(first.stdout(), new RegExp(`running at https://127\\.0\\.0\\.1:${port}`));
  assert.ok(first.stdout().includes(`export KUBECONFIG=${kubeconfig}`));
  assert.ok(first.stdout().includes('kubectl get nodes'));
  assert.ok(existsSync(join(dir, 'state.db')));
  const client = ApiClient.fromKubeconfig(kubeconfig);
  t.after(() => client.close());
  await client.create(CONFIGMAPS, { metadata: { name: 'survivor', namespace: 'default' }, data: { a: 'b' } });
  const firstLine = JSON.parse(first.stderr().split('\n')[0]!);
  assert.ok(typeof firstLine.level === 'number' && typeof firstLine.msg === 'string', 'logs are structured JSON on stderr');
  const caBefore = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');

  first.child.kill('SIGTERM');
  assert.equal(await first.exit, 0);

  const second = await startServer(dir, port);
  t.after(() => { second.child.kill('SIGKILL'); });
  assert.equal(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'), caBefore, 'the CA is reused');
  const survivor = await client.get(CONFIGMAPS, 'survivor', { namespace: 'default' });
  assert.deepEqual(survivor.data, { a: 'b' });
  second.child.kill('SIGINT');
  assert.equal(await second.exit, 0);
});
