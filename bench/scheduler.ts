/**
 * `npm run bench -- scheduler [--nodes 5000] [--pods 30000] [--workloads plain,anti-affinity,spread] [--schedulers stratus,first-fit]`
 * Places pods on hollow nodes behind a real `stratus server` (child process) with the Stratus scheduler and with a
 * first-fit baseline (same informers and binding path), for three workloads: plain resources, required
 * anti-affinity on hostname, and topology spread over 10 zones. Prints pods/s (backlog drained after the scheduler
 * synced), p50/p99 creation→binding latency under a steady stream, and the control plane's memory.
 */
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { parseArgs } from 'node:util';
import { HollowAgent } from '../src/agent/hollow/hollow-agent.js';
import type { ApiClient } from '../src/client/api-client.js';
import { Informer } from '../src/client/informer.js';
import { NAMESPACES, PODS } from '../src/client/resources.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { FirstFitScheduler } from './first-fit-scheduler.js';
import { percentile, pool, startServerProcess, table } from './harness.js';

const { values } = parseArgs({ options: {
  nodes: { type: 'string', default: '5000' },
  pods: { type: 'string', default: '30000' },
  groups: { type: 'string', default: '30' },
  'stream-pods': { type: 'string', default: '2000' },
  'stream-rate': { type: 'string', default: '400' },
  workloads: { type: 'string', default: 'plain,anti-affinity,spread' },
  schedulers: { type: 'string', default: 'stratus,first-fit' },
} });
const NODES = Number(values.nodes);
const PODS_PER_RUN = Number(values.pods);
const GROUPS = Number(values.groups);
const STREAM_PODS = Number(values['stream-pods']);
const STREAM_RATE = Number(values['stream-rate']);

type Workload = 'plain' | 'anti-affinity' | 'spread';
type Impl = 'stratus' | 'first-fit';

function podSpec(workload: Workload, group: string, schedulerName: string): PodSpec {
  const labels = { app: group };
  const spec: PodSpec = {
    schedulerName,
    containers: [{ name: 'c', image: 'registry.local/app:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
  };
  if (workload === 'anti-affinity') {
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] } };
  }
  if (workload === 'spread') {
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }];
  }
  return spec;
}

async function createPods(client: ApiClient, ns: string, count: number, workload: Workload, impl: Impl, prefix: string, onCreated?: (name: string, startedAt: number) => void, ratePerSecond?: number): Promise<void> {
  const schedulerName = impl === 'stratus' ? 'default-scheduler' : 'first-fit';
  const started = Date.now();
  await pool(count, 64, async (i) => {
    if (ratePerSecond) {
      const due = started + (i * 1000) / ratePerSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const group = `${prefix}-g${i % GROUPS}`;
    const name = `${prefix}-${i}`;
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: group } }, spec: podSpec(workload, group, schedulerName) };
    const t = performance.now();
    await client.create(PODS, pod, { namespace: ns });
    onCreated?.(name, t);
  });
}

function startScheduler(client: ApiClient, impl: Impl): { start(): Promise<void>; stop(): Promise<void> } {
  return impl === 'stratus' ? new Scheduler({ client, bindConcurrency: 128 }) : new FirstFitScheduler(client, 'first-fit', 128);
}

/** Watches a namespace and resolves when `count` pods are bound; calls onBound with the time each was seen bound. */
function watchBindings(client: ApiClient, ns: string, count: number, onBound?: (name: string, at: number) => void) {
  const informer = new Informer<Pod>(client, PODS, { namespace: ns });
  const bound = new Set<string>();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const see = (pod: Pod) => {
    const name = pod.metadata!.name!;
    if (!pod.spec?.nodeName || bound.has(name)) return;
    bound.add(name);
    onBound?.(name, performance.now());
    if (bound.size >= count) resolveDone();
  };
  informer.addHandlers({ onAdd: see, onUpdate: (_o, p) => see(p) });
  informer.start();
  return { informer, done, bound, synced: informer.waitForSync() };
}

async function throughput(client: ApiClient, workload: Workload, impl: Impl): Promise<{ podsPerSecond: number; seconds: number }> {
  const ns = `${workload}-${impl}`;
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await createPods(client, ns, PODS_PER_RUN, workload, impl, ns);
  const watch = watchBindings(client, ns, PODS_PER_RUN);
  await watch.synced;
  const scheduler = startScheduler(client, impl);
  await scheduler.start();
  const t0 = performance.now();
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 600_000).unref());
  const outcome = await Promise.race([watch.done.then(() => 'done' as const), timeout]);
  const seconds = (performance.now() - t0) / 1000;
  await scheduler.stop();
  await watch.informer.stop();
  const placed = watch.bound.size;
  if (outcome === 'timeout') process.stderr.write(`  ${ns}: only ${placed}/${PODS_PER_RUN} bound within 600 s\n`);
  return { podsPerSecond: placed / seconds, seconds };
}

async function latency(client: ApiClient, impl: Impl): Promise<{ p50: number; p99: number }> {
  const ns = `stream-${impl}`;
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const created = new Map<string, number>();
  const latencies: number[] = [];
  const watch = watchBindings(client, ns, STREAM_PODS, (name, at) => {
    const t = created.get(name);
    if (t !== undefined) latencies.push(at - t);
  });
  await watch.synced;
  const scheduler = startScheduler(client, impl);
  await scheduler.start();
  await createPods(client, ns, STREAM_PODS, 'plain', impl, ns, (name, t) => created.set(name, t), STREAM_RATE);
  await Promise.race([watch.done, new Promise((r) => setTimeout(r, 120_000).unref())]);
  await scheduler.stop();
  await watch.informer.stop();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  console.log(`scheduler benchmark: ${NODES} hollow nodes, ${PODS_PER_RUN} pods per run, ${GROUPS} groups per workload`);
  // A long node grace period: 5,000 leases compete with the binding storm, and a late renewal must not evict pods mid-run.
  const server = await startServerProcess(['--no-scheduler', '--node-monitor-grace-period', '300']);
  try {
    const client = server.client;
    const t0 = performance.now();
    const hollow = new HollowAgent({
      client, name: 'hollow', count: NODES, cpu: '64', memory: '256Gi', pods: 110, simulatePods: false, concurrency: 64,
      labels: (i) => ({ 'topology.kubernetes.io/zone': `zone-${i % 10}` }),
    });
    await hollow.start();
    console.log(`registered ${NODES} hollow nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const rows: Array<Array<string | number>> = [['workload', 'scheduler', 'pods/s', 'seconds']];
    let firstRunRss: number | undefined;
    const workloads = values.workloads!.split(',') as Workload[];
    const impls = values.schedulers!.split(',') as Impl[];
    for (const workload of workloads) {
      for (const impl of impls) {
        const r = await throughput(client, workload, impl);
        rows.push([workload, impl, r.podsPerSecond.toFixed(0), r.seconds.toFixed(1)]);
        firstRunRss ??= server.rss();
        console.log(`  ${workload} / ${impl}: ${r.podsPerSecond.toFixed(0)} pods/s`);
      }
    }
    const lat: Array<Array<string | number>> = [['scheduler', `p50 ms (${STREAM_RATE} pods/s stream)`, 'p99 ms']];
    for (const impl of impls) {
      const r = await latency(client, impl);
      lat.push([impl, r.p50.toFixed(1), r.p99.toFixed(1)]);
    }
    const totalPods = PODS_PER_RUN * workloads.length * impls.length + STREAM_PODS * impls.length;
    console.log('\nThroughput (backlog of pending pods drained after the scheduler synced):');
    console.log(table(rows));
    console.log('\nCreation → binding latency:');
    console.log(table(lat));
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    console.log(`\ncontrol plane (stratus server: API server + store + controllers) RSS with ${NODES} nodes and ${PODS_PER_RUN} pods: ${mib(firstRunRss ?? 0)} MiB; at the end, with ${totalPods} pods: ${mib(server.rss())} MiB`);
    console.log(`bench process (hollow agent + schedulers' caches) RSS: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
    await hollow.stop();
  } finally {
    await server.stop();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
