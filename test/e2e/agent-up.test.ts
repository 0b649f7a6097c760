// `stratus up` is a working one-node cluster: the control plane plus an agent for this machine; kubectl runs a pod.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { purgeNode } from '../fixtures/node-leftovers.js';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../fixtures/test-images.js';
import { freePort, KUBECTL, REPO_ROOT, run } from './harness.js';

let dir: string;
let registry: TestRegistry;
let images: TestImages;
let up: ChildProcess | undefined;
let logs = '';
const nodeName = hostname().toLowerCase();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stratus-up-'));
  registry = await startRegistry();
  images = await buildTestImages(registry.host);
});

after(async () => {
  if (up && up.exitCode === null) {
    up.kill('SIGKILL');
    await new Promise((r) => up!.once('exit', r));
  }
  await purgeNode(join(dir, 'agent', nodeName), nodeName);
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('stratus up registers this machine as a Ready node that runs pods', async () => {
  const port = await freePort();
  up = spawn(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'up', '--data-dir', dir, '--port', String(port), '--log-level', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  up.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  up.stderr!.setEncoding('utf8').on('data', (d: string) => { logs = (logs + d).slice(-50_000); });
  const deadline = Date.now() + 60_000;
  while (!stdout.includes('Admin kubeconfig') && Date.now() < deadline && up.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  assert.match(stdout, /Admin kubeconfig/, logs);
  const kubectl = (args: string[], input?: string) => run(KUBECTL, ['--kubeconfig', join(dir, 'admin.kubeconfig'), '--cache-dir', join(dir, 'kube-cache'), ...args], { timeoutMs: 60_000, ...(input ? { input } : {}) });

  const nodes = await kubectl(['get', 'nodes', '--no-headers']);
  assert.equal(nodes.code, 0, nodes.stderr);
  assert.match(nodes.stdout, new RegExp(`^${nodeName}\\s+Ready\\s`, 'm'));

  const manifest = join(dir, 'pod.yaml');
  writeFileSync(manifest, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  nodeName: ${nodeName}\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: web\n    image: ${images.httpd1}\n`);
  assert.equal((await kubectl(['apply', '-f', manifest])).code, 0);
  const waited = await kubectl(['wait', '--for=condition=Ready', 'pod/hello', '--timeout=60s']);
  assert.equal(waited.code, 0, `${waited.stderr}\n${logs}`);
  const ip = (await kubectl(['get', 'pod', 'hello', '-o', 'jsonpath={.status.podIP}'])).stdout.trim();
  assert.equal(await (await fetch(`http://${ip}:8080/`)).text(), 'stratus httpd v1\n');
  assert.equal((await kubectl(['delete', 'pod', 'hello', '--timeout=30s'])).code, 0);

  up.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => up!.once('exit', (c) => r(c)));
  assert.equal(code, 0, logs);
});
