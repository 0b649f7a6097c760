/**
 * The agent's `/stats/summary`: node and per-container usage, shaped like kubelet's stats/v1alpha1 Summary (the
 * fields metrics-server reads). CPU usage in nanocores is the rate of cumulative CPU time between two cgroup samples
 * at least a second apart; memory is the working set (usage minus inactive file cache).
 */
import type { ContainerStats } from '../../runtime/cgroup-stats.js';
import { CpuRateTracker, type CpuRate } from './cpu-rate.js';

export interface CpuUsage {
  /** RFC3339 time of the sample. */
  time: string;
  /** Absent until two samples exist (a container seen for the first time). */
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
  /** Length of the window usageNanoCores was measured over (seconds). */
  usageWindowSeconds?: number;
}

export interface MemoryUsage {
  time: string;
  workingSetBytes: number;
  usageBytes: number;
  rssBytes: number;
}

export interface ContainerUsage {
  name: string;
  startTime?: string;
  cpu: CpuUsage;
  memory: MemoryUsage;
}

export interface PodUsage {
  podRef: { name: string; namespace: string; uid: string };
  containers: ContainerUsage[];
}

export interface StatsSummary {
  node: { nodeName: string; cpu: CpuUsage; memory: MemoryUsage };
  pods: PodUsage[];
}

/** One running container of a pod on this node. */
export interface PodContainerRef {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  containerId: string;
  startedAt?: Date;
}

export interface StatsCollectorOptions {
  nodeName: string;
  /** The running containers of the node's pods (one per pod container: its current attempt). */
  listContainers: () => Promise<PodContainerRef[]>;
  containerStats: (containerId: string) => Promise<ContainerStats>;
  nodeStats: () => Promise<ContainerStats>;
  /** Shortest window a CPU rate is measured over (default 1000 ms). */
  minWindowMs?: number;
}

const NODE_KEY = '\0node';

interface Sampled {
  stats: ContainerStats;
  rate?: CpuRate;
}

export class StatsCollector {
  private readonly tracker: CpuRateTracker;
  private readonly minWindowMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StatsCollectorOptions) {
    this.minWindowMs = options.minWindowMs ?? 1000;
    this.tracker = new CpuRateTracker(this.minWindowMs);
  }

  /**
   * A summary of current usage. When some CPU rate is not known yet (first call, new containers), samples again
   * after the minimum window, so callers always get numbers for everything that was running.
   */
  async summary(): Promise<StatsSummary> {
    let sample = await this.sampleAll();
    if (!sample.node.rate || sample.containers.some((c) => !c.rate)) {
      await new Promise((r) => setTimeout(r, this.minWindowMs));
      sample = await this.sampleAll();
    }
    const pods = new Map<string, PodUsage>();
    for (const { ref, stats, rate } of sample.containers) {
      let pod = pods.get(ref.podUid);
      if (!pod) pods.set(ref.podUid, (pod = { podRef: { name: ref.pod, namespace: ref.namespace, uid: ref.podUid }, containers: [] }));
      pod.containers.push({ name: ref.container, ...(ref.startedAt ? { startTime: ref.startedAt.toISOString() } : {}), ...usage(stats, rate) });
    }
    return { node: { nodeName: this.options.nodeName, ...usage(sample.node.stats, sample.node.rate) }, pods: [...pods.values()] };
  }

  /** Samples every `intervalMs` in the background, so on-demand summaries have a recent baseline. */
  startSampling(intervalMs = 10_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sampleAll().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sampleAll(): Promise<{ node: Sampled; containers: Array<Sampled & { ref: PodContainerRef }> }> {
    const refs = await this.options.listContainers();
    const [nodeStats, ...containerStats] = await Promise.all([
      this.options.nodeStats(),
      ...refs.map((r) => this.options.containerStats(r.containerId).catch(() => undefined)),
    ]);
    const node: Sampled = { stats: nodeStats!, rate: this.tracker.record(NODE_KEY, toSample(nodeStats!)) };
    const containers: Array<Sampled & { ref: PodContainerRef }> = [];
    const live = new Set<string>([NODE_KEY]);
    refs.forEach((ref, i) => {
      const stats = containerStats[i];
      if (!stats) return; // gone between list and read
      live.add(ref.containerId);
      containers.push({ ref, stats, rate: this.tracker.record(ref.containerId, toSample(stats)) });
    });
    this.tracker.retain(live);
    return { node, containers };
  }
}

function toSample(stats: ContainerStats): { cpuNanos: number; timeMs: number } {
  return { cpuNanos: stats.cpuUsageNanos, timeMs: stats.timestamp.getTime() };
}

function usage(stats: ContainerStats, rate: CpuRate | undefined): { cpu: CpuUsage; memory: MemoryUsage } {
  const time = stats.timestamp.toISOString();
  return {
    cpu: {
      time,
      usageCoreNanoSeconds: stats.cpuUsageNanos,
      ...(rate ? { usageNanoCores: rate.nanoCores, usageWindowSeconds: rate.windowMs / 1000 } : {}),
    },
    memory: { time, workingSetBytes: stats.memoryWorkingSetBytes, usageBytes: stats.memoryUsageBytes, rssBytes: stats.memoryRssBytes },
  };
}
