// Crash safety of `stratus agent` as its own process: kill -9 while pods run, the containers keep running, a
// restarted agent adopts them (same container IDs, restartCount unchanged, no duplicates); deleting the pod
// afterwards removes every trace. Also: the CLI says what to install when runc is missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino } from 'pino';
import { ApiClient, isNotFound } from '../../src/client/api-client.js';
import { PODS } from '../../src/client/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/controlplane/control-plane.js';
import { DEFAULT_SANDBOX_POOL_SIZE } from '../../src/agent/agent.js';
import { bridgeNameFor } from '../../src/network/bridge-network.js';
import { purgeNode } from '../fixtures/node-leftovers.js';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../fixtures/test-images.js';
import { REPO_ROOT, run } from './harness.js';

let dir: string;
let plane: ControlPlane;
let client: ApiClient;
let registry: TestRegistry;
let images: TestImages;
const nodeName = `c${Math.random().toString(36).slice(2, 9)}`;
let root: string;
let agent: ChildProcess | undefined;
let agentLogs = '';

function startAgent(): ChildProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'agent', '--kubeconfig', plane.kubeconfigPath, '--node-name', nodeName, '--root', root, '--agent-port', '0', '--log-level', 'info'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { agentLogs = (agentLogs + d).slice(-100_000); });
  return child;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; agent logs:\n${agentLogs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const getPod = (name: string): Promise<Pod | undefined> => client.get(PODS, name, { namespace: 'default' }).catch((err) => { if (isNotFound(err)) return undefined; throw err; });

function runcIds(): string[] {
  return execFileSync('runc', ['--root', join(root, 'runtime', 'runc'), 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stratus-agent-crash-'));
  root = join(dir, 'node');
  plane = await startControlPlane({ dataDir: join(dir, 'plane'), port: 0, logger: pino({ level: 'silent' }) });
  client = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  registry = await startRegistry();
  images = await buildTestImages(registry.host);
});

after(async () => {
  agent?.kill('SIGKILL');
  if (root) await purgeNode(root, nodeName);
  client?.close();
  await plane?.close();
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('kill -9 the agent: containers keep running, a new agent adopts them, delete leaves nothing', async () => {
  agent = startAgent();
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'survivor' },
    spec: {
      nodeName, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: images.httpd1 }, { name: 'sleeper', image: images.busybox, command: ['sleep', '1000'] }],
    },
  }, { namespace: 'default' });
  const running = await waitFor(async () => {
    const p = await getPod('survivor');
    return p?.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, 60_000, 'survivor Running');
  const ids = running.status!.containerStatuses!.map((c) => c.containerID).sort();
  const ip = running.status!.podIP!;

  agent.kill('SIGKILL');
  await new Promise((r) => agent!.once('exit', r));
  assert.equal(runcIds().length, 2, 'containers outlive the agent');
  assert.equal(await (await fetch(`http://${ip}:8080/`)).text(), 'stratus httpd v1\n');

  agent = startAgent();
  // The new agent renews the lease and re-syncs; give it a few relist rounds to (wrongly) restart anything.
  await waitFor(async () => (agentLogs.split('agent started').length > 2 ? true : undefined), 30_000, 'second agent start');
  await new Promise((r) => setTimeout(r, 3000));
  const adopted = (await getPod('survivor'))!;
  assert.deepEqual(adopted.status!.containerStatuses!.map((c) => c.containerID).sort(), ids);
  assert.deepEqual(adopted.status!.containerStatuses!.map((c) => c.restartCount), [0, 0]);
  assert.equal(adopted.status!.podIP, ip);
  assert.equal(adopted.status!.phase, 'Running');
  assert.equal(runcIds().length, 2, 'no duplicate containers');

  await client.delete(PODS, 'survivor', { namespace: 'default' });
  await waitFor(async () => ((await getPod('survivor')) === undefined ? true : undefined), 30_000, 'survivor deleted');
  assert.deepEqual(runcIds(), []);
  // What is left is the node's sandbox pool and nothing else: the killed agent's pool entries were collected,
  // the pod's sandbox is gone, and the new agent keeps exactly DEFAULT_SANDBOX_POOL_SIZE entries.
  await onlyThePoolLeft();
});

async function onlyThePoolLeft(): Promise<void> {
  const pool = DEFAULT_SANDBOX_POOL_SIZE;
  const settled = (): boolean => {
    const left = nodeLeftovers();
    return left.podMounts.length === 0 && left.podNetns.length === 0 && left.poolNetns.length === pool
      && left.poolMounts.length === 2 * pool && left.bridgePorts === pool;
  };
  await waitFor(async () => (settled() ? true : undefined), 15_000, 'only the sandbox pool to be left').catch((err: Error) => {
    throw new Error(`${err.message}\nleft: ${JSON.stringify(nodeLeftovers(), null, 1)}`);
  });
}

/** Mounts under the node root, network namespaces and bridge ports of this node: the pool's and the others. */
function nodeLeftovers(): { podMounts: string[]; poolMounts: string[]; podNetns: string[]; poolNetns: string[]; bridgePorts: number } {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(root));
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`stratus-${nodeName}-`));
  const ports = execFileSync('ip', ['-o', 'link', 'show', 'master', bridgeNameFor(nodeName)], { encoding: 'utf8' }).trim();
  const isPool = (s: string): boolean => s.startsWith(join(root, 'pool') + '/') || s.startsWith(`stratus-${nodeName}-pool-`);
  return {
    podMounts: mounts.filter((m) => !isPool(m)), poolMounts: mounts.filter(isPool),
    podNetns: netns.filter((n) => !isPool(n)), poolNetns: netns.filter(isPool),
    bridgePorts: ports ? ports.split('\n').length : 0,
  };
}

test('a pod force-deleted while the agent is down is cleaned up when it comes back', async () => {
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan' },
    spec: { nodeName, containers: [{ name: 'sleeper', image: images.busybox, command: ['sleep', '1000'] }] },
  }, { namespace: 'default' });
  const running = await waitFor(async () => {
    const p = await getPod('orphan');
    return p?.status?.phase === 'Running' ? p : undefined;
  }, 60_000, 'orphan Running');
  const uid = running.metadata!.uid!;
  agent!.kill('SIGKILL');
  await new Promise((r) => agent!.once('exit', r));
  await client.delete(PODS, 'orphan', { namespace: 'default', gracePeriodSeconds: 0 });
  assert.equal(runcIds().filter((id) => id.startsWith(uid)).length, 1);
  agent = startAgent();
  await waitFor(async () => (runcIds().some((id) => id.startsWith(uid)) ? undefined : true), 30_000, 'the orphan container to go');
  await waitFor(async () => (execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(uid) ? undefined : true), 10_000, 'the orphan netns to go');
  // The pod directory goes last, after its namespaces and mounts.
  await waitFor(async () => (existsSync(join(root, 'pods', uid)) ? undefined : true), 10_000, 'the orphan pod directory to go');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').includes(uid));
  assert.deepEqual(mounts, []);
  // The orphan's sandbox may have come from the pool (its netns then has a pool name): nothing but the pool is left.
  await onlyThePoolLeft();
});

test('without runc the agent says what to install and exits non-zero', async () => {
  const fakeBin = join(dir, 'fakebin');
  execFileSync('mkdir', ['-p', fakeBin]);
  writeFileSync(join(fakeBin, 'runc'), '#!/bin/sh\nexit 127\n');
  chmodSync(join(fakeBin, 'runc'), 0o755);
  const result = await run(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'agent', '--kubeconfig', plane.kubeconfigPath, '--node-name', 'norunc', '--root', join(dir, 'norunc')], {
    env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` }, timeoutMs: 30_000,
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /runc: apt-get install runc/);
});
