/**
 * Pod start latency: time from creating a pod (image already on the node) to its status saying Running, against a
 * bare `runc run -d` of the same image and command (overlay rootfs, same OCI spec, no network, no API), plus for
 * reference the same runc exec'd from the sealed copy the agent uses.
 * 50 pods one at a time, then 20 at once; p50 and p99 of each.
 *
 *   npm run bench -- pod-start [sequential=50] [concurrent=20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino } from 'pino';
import { DEFAULT_SANDBOX_POOL_SIZE, NodeAgent } from '../src/agent/agent.js';
import { mark, takeMarks } from '../src/agent/start-trace.js';
import { ApiClient } from '../src/client/api-client.js';
import { Informer } from '../src/client/informer.js';
import { PODS } from '../src/client/resources.js';
import { ImageStore } from '../src/runtime/images/image-store.js';
import { buildOciSpec } from '../src/runtime/oci-spec.js';
import { findCgroup2Mount } from '../src/runtime/cgroup-favor-dynmods.js';
import { ShimLauncher } from '../src/runtime/shim-launcher.js';
import { ensureShimBinary } from '../src/runtime/shim-binary.js';
import { startRegistry } from '../test/fixtures/registry.js';
import { buildTestImages } from '../test/fixtures/test-images.js';

const SEQUENTIAL = Number(process.argv[2] ?? 50);
const CONCURRENT = Number(process.argv[3] ?? 20);
const COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
/** Pre-made pod sandboxes the agent keeps ready (NodeAgentOptions.sandboxPoolSize); default the agent's, 0 = off. */
const SANDBOX_POOL = Number(process.env.SANDBOX_POOL ?? DEFAULT_SANDBOX_POOL_SIZE);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** stderrFile: a file, not a pipe (a detached container would inherit the pipe and hold it open). */
function runCommand(cmd: string, args: string[], stderrFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const err = stderrFile ? openSync(stderrFile, 'w') : 'ignore';
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', err] });
    if (typeof err === 'number') closeSync(err);
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

import { freePort } from '../test/fixtures/registry.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));


/** `stratus server` as a child process; resolves once its admin kubeconfig works. */
async function startServerProcess(dataDir: string): Promise<{ kubeconfigPath: string; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'server', '--data-dir', dataDir, '--port', String(port), '--log-level', 'warn'], { stdio: 'ignore' });
  const kubeconfigPath = join(dataDir, 'admin.kubeconfig');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (existsSync(kubeconfigPath)) {
      const probe = ApiClient.fromKubeconfig(kubeconfigPath);
      const ok = await probe.list(PODS, { namespace: 'default', limit: 1 }).then(() => true, () => false);
      probe.close();
      if (ok) break;
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('stratus server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    kubeconfigPath,
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-pod-start-'));
  const logger = pino({ level: 'silent' });
  // The control plane runs in its own process, as it would on a real cluster (it gets the other core).
  const plane = await startServerProcess(join(dir, 'plane'));
  const client = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  const registry = await startRegistry();
  const images = await buildTestImages(registry.host);
  const nodeName = `bench${Math.random().toString(36).slice(2, 6)}`;
  const agentClient = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  const agent = new NodeAgent({ client: agentClient, nodeName, root: join(dir, 'node'), logger, orphanGraceSeconds: 1, agentPort: 0, sandboxPoolSize: SANDBOX_POOL, ...(process.env.START_CONCURRENCY ? { startConcurrency: Number(process.env.START_CONCURRENCY) } : {}) });
  await agent.start();

  const runningAt = new Map<string, bigint>();
  const waiters = new Map<string, () => void>();
  const informer = new Informer<Pod>(client, PODS, { namespace: 'default' });
  const observe = (pod: Pod): void => {
    const name = pod.metadata!.name!;
    if (pod.status?.phase === 'Running' && !runningAt.has(name)) {
      runningAt.set(name, process.hrtime.bigint());
      mark(name, 'informer');
      waiters.get(name)?.();
    }
  };
  informer.addHandlers({ onAdd: observe, onUpdate: (_o, n) => observe(n) });
  informer.start();
  await informer.waitForSync();

  const podFor = (name: string): Pod => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: images.busybox, command: COMMAND, imagePullPolicy: 'IfNotPresent' }] },
  });
  // With STRATUS_START_TRACE=1: the median time from the POST to each stage of the agent's start path.
  const t0s = new Map<string, bigint>();
  const stages = (names: string[]): void => {
    if (!process.env.STRATUS_START_TRACE) return;
    const byStage = new Map<string, number[]>();
    for (const n of names) {
      for (const [stage, t] of takeMarks(n)) byStage.set(stage, [...(byStage.get(stage) ?? []), Number(t - t0s.get(n)!) / 1e6]);
    }
    const order = [...byStage.keys()].sort((a, b) => percentile(byStage.get(a)!, 50) - percentile(byStage.get(b)!, 50));
    for (const stage of order) {
      const v = byStage.get(stage)!;
      process.stdout.write(`  ${stage.padEnd(20)} p50 ${percentile(v, 50).toFixed(1).padStart(7)} ms  p90 ${percentile(v, 90).toFixed(1).padStart(7)} ms  (${v.length})\n`);
    }
  };
  const startPod = async (name: string): Promise<number> => {
    const running = new Promise<void>((resolve) => waiters.set(name, resolve));
    const t0 = process.hrtime.bigint();
    t0s.set(name, t0);
    await client.create(PODS, podFor(name), { namespace: 'default' });
    mark(name, 'posted');
    await running;
    return Number(runningAt.get(name)! - t0) / 1e6;
  };
  const deleteAll = async (names: string[]): Promise<void> => {
    await Promise.all(names.map((n) => client.delete(PODS, n, { namespace: 'default' })));
    const deadline = Date.now() + 120_000;
    while (informer.list().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  };

  // Warm-up: pulls the image, creates the bridge, compiles the shim.
  await startPod('warmup');
  await deleteAll(['warmup']);

  // The node is idle before each phase: its sandbox pool is full.
  const poolFull = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (agent.network.poolReady() < SANDBOX_POOL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  await poolFull();
  const seq: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) seq.push(await startPod(`seq-${i}`));
  stages(Array.from({ length: SEQUENTIAL }, (_, i) => `seq-${i}`));
  await deleteAll(Array.from({ length: SEQUENTIAL }, (_, i) => `seq-${i}`));
  await poolFull();
  const par = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => startPod(`par-${i}`)));
  stages(Array.from({ length: CONCURRENT }, (_, i) => `par-${i}`));
  await deleteAll(Array.from({ length: CONCURRENT }, (_, i) => `par-${i}`));
  // Stopped before the baseline: its housekeeping would remove the baseline's root filesystems (same image store).
  await agent.stop();
  const fmt = (v: number[]): string => `p50 ${percentile(v, 50).toFixed(0)} ms, p99 ${percentile(v, 99).toFixed(0)} ms`;
  process.stdout.write(`stratus (sandbox pool ${SANDBOX_POOL}): ${SEQUENTIAL} one at a time ${fmt(seq)}; ${CONCURRENT} at once ${fmt(par)}\n`);

  // Baseline: bare runc run -d of the same image and command, one overlay rootfs per container.
  const store = new ImageStore({ root: join(dir, 'node') });
  const info = (await store.get(images.busybox))!;
  const runcRoot = join(dir, 'bare-runc');
  mkdirSync(runcRoot, { recursive: true });
  const bundles = join(dir, 'bundles');
  const prepare = async (id: string): Promise<string> => {
    const rootfs = await store.createRootfs(info.reference, id);
    const bundle = join(bundles, id);
    mkdirSync(bundle, { recursive: true });
    const spec = buildOciSpec({ args: COMMAND, rootfs: rootfs.path, cgroupsPath: `/stratus-bench/${id}`, env: info.config.env });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    return bundle;
  };
  const bareRun = async (id: string, bundle: string, runc = 'runc'): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const errFile = join(bundle, 'runc.err');
    const code = await runCommand(runc, ['--root', runcRoot, 'run', '-d', '--pid-file', join(bundle, 'pid'), '-b', bundle, id], errFile);
    if (code !== 0) throw new Error(`runc run -d ${id} exited ${code}: ${readFileSync(errFile, 'utf8').trim()}`);
    return ms(t0);
  };
  const bareIds = [...Array.from({ length: SEQUENTIAL }, (_, i) => `bare-seq-${i}`), ...Array.from({ length: CONCURRENT }, (_, i) => `bare-par-${i}`),
    ...Array.from({ length: SEQUENTIAL }, (_, i) => `sealed-seq-${i}`)];
  const bundleOf = new Map<string, string>();
  for (const id of bareIds) bundleOf.set(id, await prepare(id));
  const bareSeq: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) bareSeq.push(await bareRun(`bare-seq-${i}`, bundleOf.get(`bare-seq-${i}`)!));
  const barePar = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => bareRun(`bare-par-${i}`, bundleOf.get(`bare-par-${i}`)!)));
  // For reference: runc exec'd from the sealed copy the agent uses (runc then skips copying itself at init).
  const launcher = new ShimLauncher(await ensureShimBinary(), 'runc');
  let sealedRunc = launcher.runcBinary();
  for (let i = 0; i < 100 && sealedRunc === 'runc'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    sealedRunc = launcher.runcBinary();
  }
  const sealedSeq: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) sealedSeq.push(await bareRun(`sealed-seq-${i}`, bundleOf.get(`sealed-seq-${i}`)!, sealedRunc));
  launcher.close();
  for (const id of bareIds) {
    await runCommand('runc', ['--root', runcRoot, 'delete', '--force', id]);
    await store.removeRootfs(id);
  }
  await runCommand('rmdir', ['/sys/fs/cgroup/memory/stratus-bench', '/sys/fs/cgroup/cpu,cpuacct/stratus-bench', '/sys/fs/cgroup/pids/stratus-bench']);

  const row = (label: string, stratus: number[], bare: number[]): string => {
    const p50 = percentile(stratus, 50);
    const p99 = percentile(stratus, 99);
    const b50 = percentile(bare, 50);
    const b99 = percentile(bare, 99);
    return `${label.padEnd(22)} ${p50.toFixed(0).padStart(8)} ${p99.toFixed(0).padStart(8)} ${b50.toFixed(0).padStart(10)} ${b99.toFixed(0).padStart(10)} ${(p50 / b50).toFixed(2).padStart(8)}x`;
  };
  process.stdout.write(`\npod start (create → status Running, image cached) vs bare \`runc run -d\` of the same bundle, ms\n`);
  process.stdout.write(`${''.padEnd(22)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'runc p50'.padStart(10)} ${'runc p99'.padStart(10)} ${'p50 ratio'.padStart(9)}\n`);
  process.stdout.write(`${row(`${SEQUENTIAL} one at a time`, seq, bareSeq)}\n`);
  process.stdout.write(`${row(`${CONCURRENT} at once`, par, barePar)}\n`);
  process.stdout.write(`targets: p50 within 2x of bare runc, p99 under 1000 ms\n`);
  process.stdout.write(`for reference: bare runc exec'd from the agent's sealed copy of runc, one at a time p50 ${percentile(sealedSeq, 50).toFixed(0)} ms, p99 ${percentile(sealedSeq, 99).toFixed(0)} ms${sealedRunc === 'runc' ? ' (no sealed copy: plain runc)' : ''}\n`);
  const cgroup2 = findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  process.stdout.write(`cgroup favordynmods (machine-wide, so both sides run with it): ${cgroup2 ? (cgroup2.superOptions.includes('favordynmods') ? 'on' : 'off') : 'unknown (no cgroup2 mount)'}\n\n`);

  await informer.stop();
  await agent.purge();
  agentClient.close();
  client.close();
  await plane.close();
  await registry.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`pod-start benchmark failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
