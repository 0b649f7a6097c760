import type { Node, NodeCondition, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { pino, type Logger } from 'pino';
import { isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { LEASES, NODES, PODS } from '../client/resources.js';
import { Controller, type ReconcileResult } from './framework/controller.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  /** A node whose heartbeat (Lease or Ready condition) is older than this is unreachable; default 15 s. */
  gracePeriodMs?: number;
  /** How often each node is looked at; default 1 s. */
  monitorPeriodMs?: number;
}

type Health = 'Ready' | 'NotReady' | 'Unknown';

/**
 * kube-controller-manager's node lifecycle controller: marks a node Unknown when its agent stops renewing its
 * Lease, taints it `unreachable` (or `not-ready` when the agent reports NotReady) with NoSchedule and NoExecute,
 * marks its pods not Ready, and evicts pods from NoExecute-tainted nodes once their tolerationSeconds run out
 * (the taint manager). Controllers then replace evicted pods elsewhere. Taints go away when the node recovers.
 */
export class NodeLifecycleController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly gracePeriodMs: number;
  private readonly monitorPeriodMs: number;
  /** When this controller first saw each node, so a node that never reported gets a grace period too. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly options: NodeLifecycleOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'node-lifecycle' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.recorder = new EventRecorder(options.client, { component: 'node-controller', logger: options.logger });
    this.gracePeriodMs = options.gracePeriodMs ?? 15_000;
    this.monitorPeriodMs = options.monitorPeriodMs ?? 1000;
    this.nodes = this.factory.informer(NODES);
    this.leases = this.factory.informer(LEASES, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = this.factory.informer(PODS);
    this.pods.addIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.controller = new Controller({ name: 'node-lifecycle', logger: options.logger, workers: 4, reconcile: (name) => this.reconcile(name) });
    this.controller.watch(this.nodes, (n) => n.metadata?.name);
    this.controller.watch(this.leases, (l) => l.metadata?.name);
    this.controller.watch(this.pods, (p) => p.spec?.nodeName || undefined);
  }

  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private lastHeartbeat(node: Node): number {
    const lease = this.leases.get(`${NODE_LEASE_NAMESPACE}/${node.metadata!.name}`);
    const leaseTime = Date.parse(lease?.spec?.renewTime ?? '') || 0;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const statusTime = Date.parse(ready?.lastHeartbeatTime ?? '') || 0;
    const name = node.metadata!.name!;
    if (!this.firstSeen.has(name)) this.firstSeen.set(name, Date.now());
    return Math.max(leaseTime, statusTime, this.firstSeen.get(name)!);
  }

  private async reconcile(name: string): Promise<ReconcileResult | void> {
    const node = this.nodes.get(name);
    if (!node) { this.firstSeen.delete(name); return; }
    const now = Date.now();
    const reported = node.status?.conditions?.find((c) => c.type === 'Ready');
    const stale = now - this.lastHeartbeat(node) > this.gracePeriodMs;
    const health: Health = stale ? 'Unknown' : reported?.status === 'True' ? 'Ready' : reported ? 'NotReady' : 'Unknown';

    if (stale && reported?.status !== 'Unknown') await this.markUnknown(node);
    await this.syncTaints(node, health);
    const nextEviction = await this.evictPods(node);
    return { requeueAfterMs: Math.min(this.monitorPeriodMs, nextEviction ?? Infinity) };
  }

  /** The agent stopped posting: every condition becomes Unknown, and the node's pods stop being Ready. */
  private async markUnknown(node: Node): Promise<void> {
    const now = new Date().toISOString();
    const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) => ({
      ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now,
    }));
    try {
      await this.options.client.patch(NODES, node.metadata!.name!, { status: { conditions } }, 'strategic', { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    void this.recorder.normal(node, 'NodeNotReady', `Node ${node.metadata!.name} status is now: NodeNotReady`);
    for (const pod of this.pods.byIndex('nodeName', node.metadata!.name!)) {
      if (!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      await this.options.client.patch(PODS, pod.metadata!.name!, {
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady', lastTransitionTime: now }] },
      }, 'strategic', { namespace: pod.metadata!.namespace, subresource: 'status' }).catch((err) => { if (!isNotFound(err)) throw err; });
    }
  }

  private async syncTaints(node: Node, health: Health): Promise<void> {
    const wanted = health === 'Unknown' ? TAINT_UNREACHABLE : health === 'NotReady' ? TAINT_NOT_READY : undefined;
    const current = node.spec?.taints ?? [];
    const ours = (t: Taint) => t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY;
    const kept = current.filter((t) => !ours(t) || (t.key === wanted));
    const now = new Date().toISOString();
    const next = [...kept];
    if (wanted) {
      for (const effect of ['NoSchedule', 'NoExecute'] as const) {
        if (!next.some((t) => t.key === wanted && t.effect === effect)) next.push({ key: wanted, effect, ...(effect === 'NoExecute' ? { timeAdded: now } : {}) });
      }
    }
    if (next.length === current.length && next.every((t, i) => t.key === current[i]?.key && t.effect === current[i]?.effect)) return;
    try {
      await this.options.client.patch(NODES, node.metadata!.name!, {
        metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: next.length > 0 ? next : null },
      }, 'merge');
      if (!wanted) void this.recorder.normal(node, 'NodeReady', `Node ${node.metadata!.name} status is now: NodeReady`);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  /**
   * The taint manager: a pod on a node with NoExecute taints it does not tolerate is deleted now; one that
   * tolerates them for tolerationSeconds is deleted when that time has passed since the taint was added.
   * Returns how long until the next eviction is due.
   */
  private async evictPods(node: Node): Promise<number | undefined> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return undefined;
    const now = Date.now();
    let nextDue: number | undefined;
    for (const pod of this.pods.byIndex('nodeName', node.metadata!.name!)) {
      if (pod.metadata?.deletionTimestamp) continue;
      let evictAt = -Infinity;
      for (const taint of taints) {
        const toleration = (pod.spec?.tolerations ?? []).find((t) =>
          (!t.effect || t.effect === 'NoExecute')
          && (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')));
        if (!toleration) { evictAt = now; break; }
        if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue;
        const added = Date.parse(taint.timeAdded ?? '') || now;
        evictAt = Math.max(evictAt, added + Math.max(0, toleration.tolerationSeconds) * 1000);
      }
      if (evictAt === -Infinity) continue;
      if (evictAt <= now) {
        try {
          await this.options.client.delete(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace, preconditions: { uid: pod.metadata!.uid } });
          void this.recorder.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata!.namespace}/${pod.metadata!.name}`);
          this.logger.info({ pod: `${pod.metadata!.namespace}/${pod.metadata!.name}`, node: node.metadata!.name }, 'evicted pod from tainted node');
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      } else nextDue = Math.min(nextDue ?? Infinity, evictAt - now);
    }
    return nextDue;
  }
}
