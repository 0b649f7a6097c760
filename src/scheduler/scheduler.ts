import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { pino, type Logger } from 'pino';
import { isNotFound, type ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Limiter } from '../client/limiter.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { NAMESPACES, NODES, PODS, type ResourceType } from '../client/resources.js';
import { ClusterState } from './framework/cluster-state.js';
import { failureMessage } from './framework/failure-message.js';
import { newPodInfo, podKey, type PodInfo } from './framework/pod-info.js';
import { findPreemption } from './framework/preemption.js';
import { makeProfile, type Profile } from './framework/profile.js';
import { scheduleOne } from './framework/schedule-one.js';
import { SchedulingQueue } from './queue.js';

export const PRIORITY_CLASSES: ResourceType<PriorityClass> = Object.freeze({
  group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false,
});

export interface SchedulerOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  /** Scoring of the `default-scheduler` profile; `most-allocated` is always served as a second profile. */
  defaultScoring?: 'LeastAllocated' | 'MostAllocated';
  percentageOfNodesToScore?: number;
  /** Bindings in flight at once. */
  bindConcurrency?: number;
  /** Back-off bounds for pods that did not fit (Kubernetes: 1 s … 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

const MAX_EVENT_BACKLOG = 1000;

const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * The scheduler: watches nodes and pods, places each pending pod through the plugin framework, binds it via
 * pods/binding, and explains failures with a FailedScheduling event and the PodScheduled condition.
 * It keeps no truth of its own: on restart the informers rebuild the same state from the API.
 */
export class Scheduler {
  readonly state = new ClusterState();
  private readonly queue: SchedulingQueue;
  private readonly profiles: Map<string, Profile>;
  private readonly logger: Logger;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly recorder: EventRecorder;
  private pods!: Informer<Pod>;
  private priorityClasses!: Informer<PriorityClass>;
  /** Pods assumed on a node whose binding the informer has not yet confirmed. */
  private readonly assumed = new Set<string>();
  private inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;
  private running = false;
  readonly stats = { scheduled: 0, failed: 0, bindErrors: 0, preemptions: 0, droppedEvents: 0 };
  private readonly events = new Limiter(4);

  constructor(private readonly options: SchedulerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'scheduler' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.recorder = new EventRecorder(options.client, { component: 'default-scheduler', logger: options.logger });
    this.queue = new SchedulingQueue({ initialBackoffMs: options.initialBackoffMs, maxBackoffMs: options.maxBackoffMs });
    const pct = options.percentageOfNodesToScore ?? 0;
    this.profiles = new Map([
      ['default-scheduler', makeProfile(options.defaultScoring ?? 'LeastAllocated', pct)],
      ['most-allocated', makeProfile('MostAllocated', pct)],
    ]);
  }

  async start(): Promise<void> {
    const nodes = this.factory.informer(NODES);
    const namespaces = this.factory.informer(NAMESPACES);
    this.pods = this.factory.informer(PODS);
    this.priorityClasses = this.factory.informer(PRIORITY_CLASSES);
    nodes.addHandlers({
      onAdd: (node) => { this.state.setNode(node); this.queue.moveAllToActiveOrBackoff(); },
      onUpdate: (_old, node) => { this.state.setNode(node); this.queue.moveAllToActiveOrBackoff(); },
      onDelete: (node) => this.state.removeNode(node.metadata?.name ?? ''),
    });
    namespaces.addHandlers({
      onAdd: (ns) => this.state.setNamespace(ns.metadata?.name ?? '', ns.metadata?.labels),
      onUpdate: (_old, ns) => this.state.setNamespace(ns.metadata?.name ?? '', ns.metadata?.labels),
    });
    this.pods.addHandlers({
      onAdd: (pod) => this.observePod(pod),
      onUpdate: (old, pod) => this.observePod(pod, old),
      onDelete: (pod) => this.forgetPod(pod),
    });
    for (const informer of [nodes, namespaces, this.pods, this.priorityClasses]) informer.start();
    await Promise.all([nodes.waitForSync(), namespaces.waitForSync(), this.pods.waitForSync(), this.priorityClasses.waitForSync()]);
    this.running = true;
    this.loop = this.run();
    this.logger.info({ nodes: this.state.nodes.size, pending: this.queue.length }, 'scheduler started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.close();
    await this.loop;
    await Promise.allSettled(this.inFlight);
    await Promise.race([this.events.idle(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    if (this.ownsFactory) await this.factory.stop();
  }

  private responsibleFor(pod: Pod): boolean {
    return this.profiles.has(pod.spec?.schedulerName ?? 'default-scheduler');
  }

  private observePod(pod: Pod, old?: Pod): void {
    const key = podKey(pod);
    if (pod.spec?.nodeName) {
      this.assumed.delete(key);
      this.queue.delete(key);
      if (isTerminal(pod)) {
        if (this.state.removePod(key)) this.queue.moveAllToActiveOrBackoff();
      } else {
        this.state.setPod(pod);
        // A label change on a bound pod can satisfy (or free) affinity and spread rules.
        if (old && JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) this.queue.moveAllToActiveOrBackoff();
      }
      return;
    }
    if (this.assumed.has(key) || !this.responsibleFor(pod) || pod.metadata?.deletionTimestamp || isTerminal(pod)) return;
    this.queue.add(pod);
  }

  private forgetPod(pod: Pod): void {
    const key = podKey(pod);
    this.assumed.delete(key);
    this.queue.delete(key);
    const removed = this.state.removePod(key);
    const nominated = [...this.state.nominated.values()].some((pods) => pods.has(key));
    if (nominated) this.state.setNominated(newPodInfo(pod), undefined);
    if (removed) this.queue.moveAllToActiveOrBackoff();
  }

  /** The pod's priority: spec.priority, else its PriorityClass, else the global default class, else 0. */
  private priorityOf(pod: Pod): number {
    if (pod.spec?.priority !== undefined) return pod.spec.priority;
    const className = pod.spec?.priorityClassName;
    if (className) return this.priorityClasses.get(className)?.value ?? 0;
    return this.priorityClasses.list().find((pc) => pc.globalDefault)?.value ?? 0;
  }

  private async run(): Promise<void> {
    const limit = this.options.bindConcurrency ?? 64;
    let cycles = 0;
    while (this.running) {
      const queued = await this.queue.pop();
      if (!queued) break;
      const pod = this.pods.get(podKey(queued));
      if (!pod || pod.spec?.nodeName || pod.metadata?.deletionTimestamp || this.assumed.has(podKey(pod))) continue;
      try {
        this.scheduleCycle(pod);
      } catch (err) {
        this.logger.error({ err, pod: podKey(pod) }, 'scheduling cycle failed');
        this.queue.addBackoff(pod);
      }
      if (this.inFlight.size >= limit) await Promise.race(this.inFlight);
      // Let informer events and binding replies in between cycles so the state stays fresh under load.
      if (++cycles % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private scheduleCycle(pod: Pod): void {
    const profile = this.profiles.get(pod.spec?.schedulerName ?? 'default-scheduler')!;
    const priority = this.priorityOf(pod);
    const withPriority = pod.spec?.priority === priority ? pod : { ...pod, spec: { ...pod.spec!, priority } };
    const info = newPodInfo(withPriority);
    const result = scheduleOne(info, this.state, profile);
    if (result.ok) {
      this.assume(info, result.nodeName);
      return;
    }
    const diagnosis = result.diagnosis;
    if (priority > 0 && diagnosis.totalNodes > 0) {
      const preemption = findPreemption(info, this.state, profile, diagnosis);
      if (preemption.ok) {
        this.track(this.preempt(info, preemption.nodeName, preemption.victims));
      } else {
        diagnosis.postFilterMessage = preemption.message;
      }
    }
    this.stats.failed++;
    const message = failureMessage(diagnosis);
    this.logger.debug({ pod: info.key, message }, 'pod did not fit');
    this.queue.addUnschedulable(pod);
    this.track(this.reportUnschedulable(pod, message));
  }

  private assume(info: PodInfo, nodeName: string): void {
    const bound: Pod = { ...info.pod, spec: { ...info.pod.spec!, nodeName } };
    this.assumed.add(info.key);
    this.state.setPod(bound);
    this.state.setNominated(info, undefined);
    this.track(this.bind(info, nodeName));
  }

  private async bind(info: PodInfo, nodeName: string): Promise<void> {
    try {
      await this.options.client.bind(info.namespace, info.name, nodeName, info.pod.metadata?.uid);
      this.stats.scheduled++;
      this.queue.forget(info.key);
      this.recordScheduled(info.pod, `Successfully assigned ${info.namespace}/${info.name} to ${nodeName}`);
    } catch (err) {
      this.stats.bindErrors++;
      this.assumed.delete(info.key);
      const current = this.pods.get(info.key);
      if (!current?.spec?.nodeName) this.state.removePod(info.key);
      if (isNotFound(err) || !current) return;
      this.logger.warn({ err, pod: info.key, node: nodeName }, 'binding failed; retrying');
      if (!current.spec?.nodeName) this.queue.addBackoff(current);
    }
  }

  /**
   * "Scheduled" events go through a small queue so they never compete with bindings; past a backlog they are
   * dropped, as client-go's event broadcaster drops events when its buffer is full.
   */
  private recordScheduled(pod: Pod, message: string): void {
    if (this.events.backlog >= MAX_EVENT_BACKLOG) { this.stats.droppedEvents++; return; }
    void this.events.run(() => this.recorder.normal(pod, 'Scheduled', message));
  }

  private async preempt(info: PodInfo, nodeName: string, victims: PodInfo[]): Promise<void> {
    this.stats.preemptions++;
    this.state.setNominated(info, nodeName);
    for (const victim of victims) {
      void this.recorder.normal(victim.pod, 'Preempted', `Preempted by pod ${info.pod.metadata?.uid ?? info.key} on node ${nodeName}`);
      try {
        await this.options.client.delete(PODS, victim.name, { namespace: victim.namespace });
      } catch (err) {
        if (!isNotFound(err)) this.logger.warn({ err, victim: victim.key }, 'could not delete preemption victim');
      }
    }
    await this.options.client.patch(PODS, info.name, { status: { nominatedNodeName: nodeName } }, 'merge', {
      namespace: info.namespace, subresource: 'status',
    }).catch((err) => this.logger.debug({ err }, 'could not set nominatedNodeName'));
  }

  private async reportUnschedulable(pod: Pod, message: string): Promise<void> {
    await this.recorder.warning(pod, 'FailedScheduling', message);
    const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message,
      lastProbeTime: null as unknown as undefined, lastTransitionTime: new Date().toISOString(),
    };
    await this.options.client.patch(PODS, pod.metadata!.name!, { status: { conditions: [condition] } }, 'strategic', {
      namespace: pod.metadata?.namespace, subresource: 'status',
    }).catch((err) => { if (!isNotFound(err)) this.logger.debug({ err }, 'could not set PodScheduled condition'); });
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch((err) => this.logger.error({ err }, 'scheduler background task failed')).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
