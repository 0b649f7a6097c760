import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { pino, type Logger } from 'pino';
import { fromLabelSelector, type LabelRequirement } from '../api/selectors/label-selector.js';
import { isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { PODS, REPLICASETS } from '../client/resources.js';
import { Expectations } from './expectations.js';
import { Controller, type ReconcileResult } from './framework/controller.js';
import { claimDependents, ownerKeysOf } from './owner-claims.js';
import { controllerKey, newControllerRef } from './owner-references.js';
import { isPodActive, isPodAvailable, isPodReady, readySince, restartCount } from './pod-conditions.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  workers?: number;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Kubernetes' order for removing pods when scaling down: unscheduled, then pending, then not ready, then lower
 * pod-deletion-cost, then pods doubled up on a node, then ready for less time, then more restarts, then newer.
 */
export function compareForDeletion(a: Pod, b: Pod, podsOnNode: (pod: Pod) => number): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod) => phaseRank[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const cost = (p: Pod) => Number(p.metadata?.annotations?.[POD_DELETION_COST] ?? 0) || 0;
  if (cost(a) !== cost(b)) return cost(a) - cost(b);
  if (podsOnNode(a) !== podsOnNode(b)) return podsOnNode(b) - podsOnNode(a);
  const since = (p: Pod) => readySince(p) ?? 0;
  if (isPodReady(a) && isPodReady(b) && since(a) !== since(b)) return since(b) - since(a);
  if (restartCount(a) !== restartCount(b)) return restartCount(b) - restartCount(a);
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

/** Keeps the desired number of pods for each ReplicaSet, adopting and releasing pods by selector. */
export class ReplicaSetController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly expectations = new Expectations();
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly options: ReplicaSetControllerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'replicaset' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.recorder = new EventRecorder(options.client, { component: 'replicaset-controller', logger: options.logger });
    this.replicaSets = this.factory.informer(REPLICASETS);
    this.pods = this.factory.informer(PODS);
    this.controller = new Controller({ name: 'replicaset', logger: options.logger, workers: options.workers ?? 4, reconcile: (key) => this.reconcile(key) });
    this.controller.watch(this.replicaSets);
    this.controller.watch(this.pods, (pod) => this.ownersOf(pod));
    this.pods.addHandlers({
      onAdd: (pod) => { const key = this.ownerKey(pod); if (key) this.expectations.observedAdd(key); },
      onDelete: (pod) => { const key = this.ownerKey(pod); if (key) this.expectations.observedDelete(key); },
    });
  }

  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private ownerKey(pod: Pod): string | undefined {
    return controllerKey(pod, 'ReplicaSet');
  }

  /** The ReplicaSet that controls the pod, or (for an orphan) every ReplicaSet whose selector matches it. */
  private ownersOf(pod: Pod): string[] {
    return ownerKeysOf(pod, 'ReplicaSet', () => this.replicaSets.inNamespace(pod.metadata?.namespace ?? ''));
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const rs = this.replicaSets.get(key);
    if (!rs) { this.expectations.forget(key); return; }
    const ns = rs.metadata!.namespace!;
    let selector: LabelRequirement[] | null;
    try {
      selector = fromLabelSelector(rs.spec?.selector);
    } catch {
      return; // the API server rejects invalid selectors; nothing to do
    }
    const owned = await claimDependents({
      client: this.options.client, owner: rs, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet', selector,
      ref: PODS, candidates: this.pods.inNamespace(ns),
    });
    const active = owned.filter(isPodActive);
    const desired = rs.spec?.replicas ?? 1;

    if (this.expectations.satisfied(key) && !rs.metadata?.deletionTimestamp) {
      const diff = active.length - desired;
      if (diff < 0) await this.createPods(rs, key, Math.min(-diff, BURST_REPLICAS));
      else if (diff > 0) await this.deletePods(rs, key, active, Math.min(diff, BURST_REPLICAS));
    }
    return this.updateStatus(rs, owned);
  }

  private async createPods(rs: ReplicaSet, key: string, count: number): Promise<void> {
    this.expectations.expect(key, count, 0);
    // Slow start (1, 2, 4 …) so a template the API rejects fails once, not `count` times.
    let created = 0;
    for (let batch = 1; created < count; batch *= 2) {
      const size = Math.min(batch, count - created);
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.createPod(rs)));
      const failures = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      created += size;
      if (failures.length > 0) {
        this.expectations.lower(key, failures.length + (count - created), 0);
        const message = (failures[0]!.reason as Error).message;
        this.logger.warn({ replicaset: key, err: message }, 'could not create pods');
        void this.recorder.warning(rs, 'FailedCreate', `Error creating: ${message}`);
        throw failures[0]!.reason;
      }
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec?.template ?? {};
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...template.metadata,
        generateName: `${rs.metadata!.name}-`,
        namespace: rs.metadata!.namespace,
        ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: template.spec,
    };
    delete pod.metadata!.name;
    const created = await this.options.client.create(PODS, pod, { namespace: rs.metadata!.namespace });
    void this.recorder.normal(rs, 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  private async deletePods(rs: ReplicaSet, key: string, active: Pod[], count: number): Promise<void> {
    const perNode = new Map<string, number>();
    for (const p of active) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const ranked = [...active].sort((a, b) => compareForDeletion(a, b, (p) => perNode.get(p.spec?.nodeName ?? '') ?? 0));
    const victims = ranked.slice(0, count);
    this.expectations.expect(key, 0, victims.length);
    await Promise.all(victims.map(async (pod) => {
      try {
        await this.options.client.delete(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace, preconditions: { uid: pod.metadata!.uid } });
        void this.recorder.normal(rs, 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      } catch (err) {
        this.expectations.lower(key, 0, 1);
        if (!isNotFound(err)) throw err;
      }
    }));
  }

  private async updateStatus(rs: ReplicaSet, owned: Pod[]): Promise<ReconcileResult | void> {
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const active = owned.filter(isPodActive);
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const now = Date.now();
    const status: ReplicaSetStatus = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata?.generation,
      ...(rs.status?.conditions ? { conditions: rs.status.conditions } : {}),
    };
    const current: ReplicaSetStatus = rs.status ?? { replicas: 0 };
    const same = (['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const)
      .every((f) => (current[f] ?? 0) === (status[f] ?? 0));
    if (!same) {
      try {
        await this.options.client.updateStatus(REPLICASETS, { ...rs, status });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
        if (isConflict(err)) return { requeueAfterMs: 100 };
      }
    }
    // Pods that are ready but not yet available become available after minReadySeconds without any event.
    if (minReady > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) return { requeueAfterMs: 1000 };
    return undefined;
  }
}
