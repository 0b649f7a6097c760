import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { isNotFound, type ApiClient } from '../../client/api-client.js';
import { Informer } from '../../client/informer.js';
import { NODES, PODS } from '../../client/resources.js';
import { readMachineFacts } from '../machine.js';
import { NodeLease } from '../node-lease.js';
import { buildNode, mergeConditions, readyConditions } from '../node-object.js';
import { registerNode } from '../register-node.js';
import { Limiter } from '../../client/limiter.js';
import { exitedStatus, hollowExitOf, restartedStatus, restartsOnExit } from './pod-exit.js';

/** One hollow node as a test or benchmark wants it. */
export interface HollowNodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: NonNullable<Node['spec']>['taints'];
}

export interface HollowAgentOptions {
  client: ApiClient;
  /** One node named `name`, or `count` nodes named name-0 … name-(count-1); or exactly `nodes`. */
  name?: string;
  count?: number;
  nodes?: HollowNodeSpec[];
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: (index: number) => Record<string, string>;
  leaseIntervalMs?: number;
  /** Fake pod lifecycles (Running status, removal on delete); default true. */
  simulatePods?: boolean;
  /** API requests in flight at once (registration, leases, pod status). */
  concurrency?: number;
  logger?: Logger;
}

interface HollowNode {
  name: string;
  index: number;
  uid?: string;
  lease: NodeLease;
  nextIp: number;
}

/**
 * Kubemark-style hollow nodes: registers nodes and renews their leases like a real agent, and fakes the
 * lifecycle of pods bound to them without running anything (they go Running with made-up IPs, and are removed
 * at once when deleted). For testing and benchmarking the control plane at thousands of nodes.
 */
export class HollowAgent {
  private readonly nodes = new Map<string, HollowNode>();
  private readonly logger: Logger;
  private readonly limiter: Limiter;
  private pods?: Informer<Pod>;
  private leaseTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly handled = new Set<string>();
  /** Pending fake container exits (see pod-exit.ts), by pod key. */
  private readonly exitTimers = new Map<string, NodeJS.Timeout>();
  private readonly reasserting = new Set<string>();
  private nodeWatch?: Informer<Node>;

  constructor(private readonly options: HollowAgentOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'hollow-agent' });
    this.limiter = new Limiter(options.concurrency ?? 32);
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  async start(): Promise<void> {
    const facts = readMachineFacts('/', 'hollow://0.1.0');
    await Promise.all(this.specs().map((spec, index) => this.limiter.run(async () => {
      const nodeName = spec.name;
      const node = buildNode({
        name: nodeName,
        cpu: spec.cpu ?? this.options.cpu ?? '4',
        memory: spec.memory ?? this.options.memory ?? '16Gi',
        pods: spec.pods ?? this.options.pods ?? 110,
        ephemeralStorage: '100Gi',
        internalIP: `127.0.${(index >> 8) & 255}.${index & 255}`,
        hostname: nodeName,
        labels: { 'stratus.io/hollow': 'true', ...this.options.labels?.(index), ...spec.labels },
        taints: spec.taints,
        nodeInfo: { ...facts.nodeInfo, containerRuntimeVersion: 'hollow://0.1.0' },
        agentPort: 0,
      });
      const registered: Node = await registerNode(this.options.client, node);
      const hollow: HollowNode = {
        name: nodeName, index, uid: registered.metadata?.uid, nextIp: 2,
        lease: new NodeLease(this.options.client, nodeName, () => hollow.uid, this.logger),
      };
      this.nodes.set(nodeName, hollow);
      await hollow.lease.renew();
    })));
    this.logger.info({ nodes: this.nodes.size }, 'hollow nodes registered');
    this.scheduleLeases();

    // Like kubelet: if someone else marked our node not Ready (the node controller, while we were gone), say otherwise.
    this.nodeWatch = new Informer(this.options.client, NODES, { logger: this.logger });
    this.nodeWatch.addHandlers({ onAdd: (node) => this.assertReady(node), onUpdate: (_old, node) => this.assertReady(node) });
    this.nodeWatch.start();
    await this.nodeWatch.waitForSync();
    if (this.options.simulatePods === false) return;

    this.pods = new Informer(this.options.client, PODS, { logger: this.logger });
    this.pods.addHandlers({ onAdd: (pod) => this.observe(pod), onUpdate: (_old, pod) => this.observe(pod) });
    this.pods.start();
    await this.pods.waitForSync();
  }

  private specs(): HollowNodeSpec[] {
    const { count, name = 'hollow', nodes } = this.options;
    if (nodes) return nodes;
    return count === undefined ? [{ name }] : Array.from({ length: count }, (_, i) => ({ name: `${name}-${i}` }));
  }

  /** Spreads renewals over the interval so 5,000 nodes do not renew in one burst. */
  private scheduleLeases(): void {
    const interval = this.options.leaseIntervalMs ?? 10_000;
    const nodes = [...this.nodes.values()];
    let cursor = 0;
    const tickMs = 100;
    const perTick = Math.max(1, Math.ceil((nodes.length * tickMs) / interval));
    this.leaseTimer = setInterval(() => {
      for (let i = 0; i < perTick && nodes.length > 0; i++) {
        const node = nodes[cursor++ % nodes.length]!;
        void this.limiter.run(() => node.lease.renew()).catch((err) => this.logger.warn({ err, node: node.name }, 'lease renewal failed'));
      }
    }, tickMs);
  }

  private assertReady(node: Node): void {
    const name = node.metadata?.name ?? '';
    if (!this.nodes.has(name) || this.stopped || this.reasserting.has(name)) return;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return;
    this.reasserting.add(name);
    const { conditions } = mergeConditions(node.status?.conditions, readyConditions(new Date(), { memoryPressure: false, diskPressure: false, pidPressure: false }));
    void this.limiter.run(() => this.options.client.patch(NODES, name, { status: { conditions } }, 'strategic', { subresource: 'status' }))
      .catch((err) => this.logger.warn({ err, node: name }, 'could not report node Ready'))
      .finally(() => this.reasserting.delete(name));
  }

  private observe(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!node || this.stopped) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}/${pod.metadata?.uid}`;
    if (pod.metadata?.deletionTimestamp) {
      if (this.handled.has(`${key}/deleted`)) return;
      this.handled.add(`${key}/deleted`);
      clearTimeout(this.exitTimers.get(key));
      this.exitTimers.delete(key);
      void this.limiter.run(() => this.options.client.delete(PODS, pod.metadata!.name!, {
        namespace: pod.metadata!.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid },
      })).catch((err) => { if (!isNotFound(err)) this.logger.warn({ err }, 'could not remove deleted pod'); })
        .finally(() => { this.handled.delete(key); this.handled.delete(`${key}/deleted`); });
      return;
    }
    if (pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || this.handled.has(key)) return;
    this.handled.add(key);
    const ip = `10.${200 + (node.index >> 16)}.${(node.index >> 8) & 255}.${node.index & 255}`;
    const status = (pod.spec?.containers ?? []).some((c) => isBrokenImage(c.image)) ? pullFailedStatus(pod, node) : runningStatus(pod, node, ip);
    void this.limiter.run(() => this.options.client.patch(PODS, pod.metadata!.name!, { status }, 'merge', {
      namespace: pod.metadata!.namespace, subresource: 'status',
    })).then((running) => {
      if (status.phase === 'Running') this.scheduleExit(running, key, status.startTime ?? new Date().toISOString(), 0);
    }).catch((err) => { this.handled.delete(key); if (!isNotFound(err)) this.logger.warn({ err }, 'could not report pod running'); });
  }

  /** Test fault injection: a pod annotated with an exit code ends (or restarts) after its run time. */
  private scheduleExit(pod: Pod, key: string, startedAt: string, restarts: number): void {
    const exit = hollowExitOf(pod);
    if (!exit || this.stopped) return;
    const timer = setTimeout(() => {
      this.exitTimers.delete(key);
      if (this.stopped) return;
      const restart = restartsOnExit(pod, exit.code);
      const status = restart ? restartedStatus(pod, exit.code, restarts + 1) : exitedStatus(pod, exit.code, startedAt, restarts);
      void this.limiter.run(() => this.options.client.patch(PODS, pod.metadata!.name!, { status }, 'merge', {
        namespace: pod.metadata!.namespace, subresource: 'status',
      })).then((updated) => {
        if (restart) this.scheduleExit(updated, key, startedAt, restarts + 1);
      }).catch((err) => { if (!isNotFound(err)) this.logger.warn({ err }, 'could not report pod exit'); });
    }, exit.runMs);
    this.exitTimers.set(key, timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    for (const timer of this.exitTimers.values()) clearTimeout(timer);
    this.exitTimers.clear();
    await this.pods?.stop();
    await this.nodeWatch?.stop();
    await this.limiter.idle();
  }
}

/** Fault injection for tests: an image tagged `:broken` never pulls on a hollow node. */
export function isBrokenImage(image: string | undefined): boolean {
  return image?.endsWith(':broken') ?? false;
}

function pullFailedStatus(pod: Pod, node: HollowNode): PodStatus {
  const now = new Date().toISOString();
  return {
    phase: 'Pending',
    hostIP: `127.0.${(node.index >> 8) & 255}.${node.index & 255}`,
    startTime: now,
    qosClass: pod.status?.qosClass,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, ready: false, started: false, restartCount: 0, image: c.image ?? '', imageID: '',
      state: isBrokenImage(c.image)
        ? { waiting: { reason: 'ErrImagePull', message: `failed to pull image "${c.image}": manifest unknown` } }
        : { waiting: { reason: 'PodInitializing' } },
    })),
  };
}

function runningStatus(pod: Pod, node: HollowNode, podIP: string): PodStatus {
  const now = new Date().toISOString();
  const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now }));
  return {
    phase: 'Running',
    conditions,
    hostIP: `127.0.${(node.index >> 8) & 255}.${node.index & 255}`,
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    qosClass: pod.status?.qosClass,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, ready: true, started: true, restartCount: 0, image: c.image ?? '', imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${pod.metadata?.uid}/${c.name}`, state: { running: { startedAt: now } },
    })),
  };
}
