import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../src/client/api-client.js';
import { Informer } from '../src/client/informer.js';
import { NODES, PODS } from '../src/client/resources.js';
import { nodeAllocatable, podRequests, type Resources } from '../src/scheduler/framework/resources.js';

/**
 * The benchmark's baseline: first-fit placement (the first node, in a fixed order, with room for the requests),
 * with the same informers and binding path as the real scheduler, so the difference is the placement logic.
 */
export class FirstFitScheduler {
  private nodes!: Informer<Node>;
  private pods!: Informer<Pod>;
  private readonly used = new Map<string, Resources>();
  private readonly pending: Pod[] = [];
  private readonly bound = new Set<string>();
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly client: ApiClient, private readonly schedulerName = 'first-fit', private readonly concurrency = 64) {}

  async start(): Promise<void> {
    this.nodes = new Informer(this.client, NODES);
    this.pods = new Informer(this.client, PODS);
    this.pods.addHandlers({
      onAdd: (pod) => this.observe(pod),
      onUpdate: (_old, pod) => this.observe(pod),
    });
    this.nodes.start();
    this.pods.start();
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    this.running = true;
    this.loop = this.run();
  }

  private observe(pod: Pod): void {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (pod.spec?.nodeName) {
      if (!this.bound.has(key)) { this.bound.add(key); this.account(pod.spec.nodeName, podRequests(pod)); }
      return;
    }
    if (pod.spec?.schedulerName !== this.schedulerName || this.bound.has(key)) return;
    this.pending.push(pod);
    this.wake?.();
  }

  private account(node: string, r: Resources): void {
    const u = this.used.get(node) ?? { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 };
    u.milliCpu += r.milliCpu; u.memory += r.memory; u.pods += r.pods;
    this.used.set(node, u);
  }

  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    // Nodes in a fixed order with their allocatable parsed once (the nodes do not change during a run).
    const nodes = () => this.nodes.list().sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))
      .map((node) => ({ name: node.metadata!.name!, free: nodeAllocatable(node) }));
    let order = nodes();
    while (this.running) {
      const pod = this.pending.shift();
      if (!pod) {
        await new Promise<void>((resolve) => { this.wake = resolve; setTimeout(resolve, 50); });
        order = nodes();
        continue;
      }
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      if (this.bound.has(key)) continue;
      const want = podRequests(pod);
      const target = order.find(({ name, free }) => {
        const u = this.used.get(name) ?? { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 };
        return u.pods + 1 <= free.pods && u.milliCpu + want.milliCpu <= free.milliCpu && u.memory + want.memory <= free.memory;
      });
      if (!target) continue;
      const nodeName = target.name;
      this.bound.add(key);
      this.account(nodeName, want);
      const p = this.client.bind(pod.metadata!.namespace!, pod.metadata!.name!, nodeName).then(() => undefined, () => undefined)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= this.concurrency) await Promise.race(inFlight);
    }
    await Promise.allSettled(inFlight);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([this.nodes.stop(), this.pods.stop()]);
  }
}
