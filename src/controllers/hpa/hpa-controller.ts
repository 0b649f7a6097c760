import type {
  CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus,
  MetricSpec, MetricStatus, MetricTarget,
} from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { Quantity, tryParseQuantity } from '../../api/quantity.js';
import { matches, parseLabelSelector, type LabelRequirement } from '../../api/selectors/label-selector.js';
import { isConflict, isNotFound, type ApiClient, type Scale } from '../../client/api-client.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { Informer } from '../../client/informer.js';
import { DEPLOYMENTS, HORIZONTALPODAUTOSCALERS, PODS, REPLICASETS, STATEFULSETS, type ResourceType } from '../../client/resources.js';
import { Controller, type ReconcileResult } from '../framework/controller.js';
import { MetricsApiSource, resourceMetrics, type PodMetricsObject, type PodMetricsSource } from './metrics-source.js';
import { DEFAULT_CALCULATOR_OPTIONS, rawResourceReplicas, resourceReplicas, type CalculatorOptions } from './replica-calculator.js';
import { newHistory, normalizeDesiredReplicas, recordScaleEvent, type ConditionChange, type ScalingHistory } from './scaling-rules.js';

export interface HpaControllerOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  workers?: number;
  /** How often each HPA is evaluated (upstream --horizontal-pod-autoscaler-sync-period, 15 s). */
  syncPeriodMs?: number;
  /** Where pod usage comes from; default the metrics.k8s.io API through the API server. */
  metrics?: PodMetricsSource;
  /** Ratio change treated as noise (0.1). */
  tolerance?: number;
  /** Window over which scale-down takes the highest recommendation when `behavior` does not say (5 min). */
  downscaleStabilizationMs?: number;
  cpuInitializationPeriodMs?: number;
  delayOfInitialReadinessStatusMs?: number;
}

type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/** The kinds whose scale subresource the autoscaler knows how to address. */
const SCALABLE: ResourceType[] = [DEPLOYMENTS, REPLICASETS, STATEFULSETS];

function scaleTargetResource(ref: CrossVersionObjectReference): ResourceType | undefined {
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return SCALABLE.find((r) => r.kind === ref.kind && (!ref.apiVersion || r.group === group));
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

interface MetricProposal {
  replicas: number;
  name: string;
  status: MetricStatus;
}

interface MetricFailure {
  error: string;
  /** ScalingActive=False reason, e.g. FailedGetResourceMetric. */
  reason: string;
}

/** One sync's working state: the status being built and what to say about it. */
interface Sync {
  hpa: HorizontalPodAutoscaler;
  status: HorizontalPodAutoscalerStatus;
  now: number;
  metricsCache: Map<string, Promise<PodMetricsObject[]>>;
}

/**
 * autoscaling/v2 HorizontalPodAutoscalers as kube-controller-manager runs them: every sync period, read the
 * target's scale subresource, its pods (by the scale's selector) and their usage from the metrics API, compute
 * the desired count with Kubernetes' algorithm, stabilize and rate-limit it (`behavior`), write the scale, and
 * report status (currentMetrics, conditions AbleToScale / ScalingActive / ScalingLimited) and events.
 * Recommendation history lives in memory, as upstream: a restart forgets it, which only delays scale-downs.
 */
export class HorizontalPodAutoscalerController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly hpas: Informer<HorizontalPodAutoscaler>;
  private readonly pods: Informer<Pod>;
  private readonly metrics: PodMetricsSource;
  private readonly histories = new Map<string, ScalingHistory>();
  /** Each HPA's last parsed target selector, to refuse pods claimed by two HPAs (upstream's hpaSelectors). */
  private readonly selectors = new Map<string, { namespace: string; selector: LabelRequirement[] }>();
  private readonly syncPeriodMs: number;
  private readonly calculator: CalculatorOptions;
  private readonly downscaleStabilizationMs: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: HpaControllerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'horizontal-pod-autoscaler' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.recorder = new EventRecorder(options.client, { component: 'horizontal-pod-autoscaler', logger: options.logger });
    this.metrics = options.metrics ?? new MetricsApiSource(options.client);
    this.syncPeriodMs = options.syncPeriodMs ?? 15_000;
    this.downscaleStabilizationMs = options.downscaleStabilizationMs ?? 5 * 60_000;
    this.calculator = {
      tolerance: options.tolerance ?? DEFAULT_CALCULATOR_OPTIONS.tolerance,
      cpuInitializationPeriodMs: options.cpuInitializationPeriodMs ?? DEFAULT_CALCULATOR_OPTIONS.cpuInitializationPeriodMs,
      delayOfInitialReadinessStatusMs: options.delayOfInitialReadinessStatusMs ?? DEFAULT_CALCULATOR_OPTIONS.delayOfInitialReadinessStatusMs,
    };
    this.hpas = this.factory.informer(HORIZONTALPODAUTOSCALERS);
    this.pods = this.factory.informer(PODS);
    this.controller = new Controller({ name: 'horizontal-pod-autoscaler', logger: options.logger, workers: options.workers ?? 4, reconcile: (key) => this.reconcile(key) });
    // New HPAs and spec changes are looked at now; everything else waits for the sync period (our own status
    // writes must not trigger a re-evaluation).
    const key = (hpa: HorizontalPodAutoscaler) => `${hpa.metadata?.namespace}/${hpa.metadata?.name}`;
    this.unsubscribe = this.hpas.addHandlers({
      onAdd: (hpa) => this.controller.enqueue(key(hpa)),
      onUpdate: (old, hpa) => { if (old.metadata?.generation !== hpa.metadata?.generation) this.controller.enqueue(key(hpa)); },
      onDelete: (hpa) => this.controller.enqueue(key(hpa)),
    });
  }

  async start(): Promise<void> {
    this.hpas.start();
    this.pods.start();
    await Promise.all([this.hpas.waitForSync(), this.pods.waitForSync()]);
    await this.controller.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const hpa = this.hpas.get(key);
    if (!hpa || hpa.metadata?.deletionTimestamp) { this.histories.delete(key); this.selectors.delete(key); return; }
    try {
      await this.reconcileAutoscaler(hpa, key);
    } catch (err) {
      if (isConflict(err)) return { requeueAfterMs: 100 };
      this.logger.warn({ hpa: key, err: (err as Error).message }, 'autoscaler sync failed');
    }
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private async reconcileAutoscaler(hpa: HorizontalPodAutoscaler, key: string): Promise<void> {
    const now = Date.now();
    const sync: Sync = { hpa, status: structuredClone(hpa.status ?? { desiredReplicas: 0 }), now, metricsCache: new Map() };
    const spec = hpa.spec!;
    const ref = spec.scaleTargetRef;
    const namespace = hpa.metadata!.namespace!;
    const resource = scaleTargetResource(ref);

    let scale: Scale;
    try {
      if (!resource) throw new Error(`no scale subresource known for kind "${ref.kind}" in ${ref.apiVersion ?? 'its group'} (supported: Deployment, ReplicaSet, StatefulSet)`);
      scale = await this.options.client.getScale(resource, ref.name, { namespace });
    } catch (err) {
      const message = isNotFound(err) ? `${resource?.plural ?? ref.kind}/scale "${ref.name}" not found` : (err as Error).message;
      this.setCondition(sync, 'AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${message}` });
      void this.recorder.warning(hpa, 'FailedGetScale', message);
      await this.writeStatus(hpa, sync.status);
      return;
    }
    this.setCondition(sync, 'AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const currentReplicas = scale.spec.replicas ?? 0;
    let history = this.histories.get(key);
    if (!history) this.histories.set(key, (history = newHistory(currentReplicas, now)));

    const minReplicas = spec.minReplicas ?? 1;
    let desiredReplicas = 0;
    let rescaleReason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | undefined;
    if (currentReplicas === 0 && minReplicas !== 0) {
      desiredReplicas = 0;
      rescale = false;
      this.setCondition(sync, 'ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > spec.maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(sync, scale, spec.metrics ?? []);
      metricStatuses = computed.statuses;
      if (computed.replicas === undefined) {
        this.setCurrent(sync, currentReplicas, metricStatuses);
        await this.writeStatus(hpa, sync.status);
        void this.recorder.warning(hpa, 'FailedComputeMetricsReplicas', computed.error ?? 'no metric gave a replica count');
        return;
      }
      desiredReplicas = computed.replicas;
      if (desiredReplicas > currentReplicas) rescaleReason = `${computed.metricName} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const normalized = normalizeDesiredReplicas(history, {
        currentReplicas, desiredReplicas, minReplicas, maxReplicas: spec.maxReplicas, behavior: spec.behavior,
        downscaleStabilizationMs: this.downscaleStabilizationMs, now,
      });
      this.setCondition(sync, 'AbleToScale', normalized.ableToScale);
      this.setCondition(sync, 'ScalingLimited', normalized.scalingLimited);
      desiredReplicas = normalized.desired;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.options.client.scale(resource, ref.name, desiredReplicas, { namespace });
      } catch (err) {
        const message = (err as Error).message;
        void this.recorder.warning(hpa, 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
        this.setCondition(sync, 'AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message}` });
        this.setCurrent(sync, currentReplicas, metricStatuses);
        await this.writeStatus(hpa, sync.status);
        return;
      }
      this.setCondition(sync, 'AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
      void this.recorder.normal(hpa, 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      recordScaleEvent(history, spec.behavior, currentReplicas, desiredReplicas, now);
      this.logger.info({ hpa: key, from: currentReplicas, to: desiredReplicas, reason: rescaleReason }, 'rescaled');
    } else {
      desiredReplicas = currentReplicas;
    }
    this.setCurrent(sync, currentReplicas, metricStatuses);
    sync.status.desiredReplicas = desiredReplicas;
    if (rescale) sync.status.lastScaleTime = timestamp(now);
    await this.writeStatus(hpa, sync.status);
  }

  /** Every metric's proposal; the largest wins. Invalid metrics block scaling down (upstream's rule). */
  private async computeReplicasForMetrics(sync: Sync, scale: Scale, specs: MetricSpec[]): Promise<{ replicas?: number; metricName?: string; statuses: MetricStatus[]; error?: string }> {
    const hpa = sync.hpa;
    const selectorText = scale.status.selector ?? '';
    const statuses: MetricStatus[] = specs.map((s) => ({ type: s.type }));
    if (!selectorText) {
      void this.recorder.warning(hpa, 'SelectorRequired', 'selector is required');
      this.setCondition(sync, 'ScalingActive', { status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
      return { statuses, error: 'selector is required' };
    }
    let selector: LabelRequirement[];
    try {
      selector = parseLabelSelector(selectorText);
    } catch (err) {
      const message = `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`;
      void this.recorder.warning(hpa, 'InvalidSelector', message);
      this.setCondition(sync, 'ScalingActive', { status: 'False', reason: 'InvalidSelector', message });
      return { statuses, error: message };
    }
    const namespace = hpa.metadata!.namespace!;
    const pods = this.pods.inNamespace(namespace).filter((p) => matches(selector, p.metadata?.labels));
    const hpaKey = `${namespace}/${hpa.metadata!.name}`;
    this.selectors.set(hpaKey, { namespace, selector });
    const selecting = new Set<string>();
    for (const [other, entry] of this.selectors) {
      if (entry.namespace === namespace && this.hpas.get(other) && pods.some((p) => matches(entry.selector, p.metadata?.labels))) selecting.add(other);
    }
    if (selecting.size > 1) {
      const message = `pods by selector ${selectorText} are controlled by multiple HPAs: [${[...selecting].sort().join(' ')}]`;
      void this.recorder.warning(hpa, 'AmbiguousSelector', message);
      this.setCondition(sync, 'ScalingActive', { status: 'False', reason: 'AmbiguousSelector', message });
      return { statuses, error: message };
    }
    const specReplicas = scale.spec.replicas ?? 0;

    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let firstFailure: MetricFailure | undefined;
    for (const [i, spec] of specs.entries()) {
      const result = await this.computeReplicasForMetric(sync, spec, specReplicas, pods, selectorText);
      if ('error' in result) {
        if (invalid === 0) firstFailure = result;
        invalid++;
        void this.recorder.warning(hpa, result.reason, result.error);
        continue;
      }
      statuses[i] = result.status;
      if (replicas === 0 || result.replicas > replicas) { replicas = result.replicas; metricName = result.name; }
    }
    const error = firstFailure ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstFailure.error}` : undefined;
    if (firstFailure && (invalid >= specs.length || replicas < specReplicas)) {
      this.setCondition(sync, 'ScalingActive', { status: 'False', reason: firstFailure.reason, message: `the HPA was unable to compute the replica count: ${firstFailure.error}` });
      return { statuses, error };
    }
    this.setCondition(sync, 'ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metricName}` });
    return { replicas, metricName, statuses, error };
  }

  private async computeReplicasForMetric(sync: Sync, spec: MetricSpec, currentReplicas: number, pods: Pod[], selector: string): Promise<MetricProposal | MetricFailure> {
    switch (spec.type) {
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
        const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
        if (!source) return { reason, error: `invalid ${spec.type} metric source: no source given` };
        const result = await this.resourceProposal(sync, source.name, source.target, currentReplicas, pods, selector, container);
        if ('error' in result) return { reason, error: result.error };
        const current = result.current;
        const status: MetricStatus = spec.type === 'Resource'
          ? { type: 'Resource', resource: { name: source.name, current } }
          : { type: 'ContainerResource', containerResource: { name: source.name, container: container ?? '', current } };
        const kindOfName = spec.type === 'Resource' ? 'resource' : 'container resource';
        const name = source.target.averageValue !== undefined ? `${source.name} ${kindOfName}` : `${source.name} ${kindOfName} utilization (percentage of request)`;
        return { replicas: result.replicas, name, status };
      }
      case 'Pods':
        return { reason: 'FailedGetPodsMetric', error: `unable to get metric ${spec.pods?.metric.name ?? ''}: the custom metrics API (custom.metrics.k8s.io) is not served by Stratus` };
      case 'Object':
        return { reason: 'FailedGetObjectMetric', error: `unable to get metric ${spec.object?.metric.name ?? ''}: the custom metrics API (custom.metrics.k8s.io) is not served by Stratus` };
      case 'External':
        return { reason: 'FailedGetExternalMetric', error: `unable to get external metric ${spec.external?.metric.name ?? ''}: the external metrics API (external.metrics.k8s.io) is not served by Stratus` };
      default:
        return { reason: 'InvalidMetricSourceType', error: `unknown metric source type "${spec.type}"` };
    }
  }

  private async resourceProposal(
    sync: Sync, resource: string, target: MetricTarget, currentReplicas: number, pods: Pod[], selector: string, container?: string,
  ): Promise<{ replicas: number; current: NonNullable<MetricStatus['resource']>['current'] } | { error: string }> {
    const namespace = sync.hpa.metadata!.namespace!;
    const averageValue = target.averageValue !== undefined ? tryParseQuantity(target.averageValue) : undefined;
    const what = averageValue ? 'usage' : 'utilization';
    if (!averageValue && target.averageUtilization === undefined) {
      return { error: 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set' };
    }
    let items: PodMetricsObject[];
    try {
      let pending = sync.metricsCache.get(selector);
      if (!pending) sync.metricsCache.set(selector, (pending = this.metrics.listPodMetrics(namespace, selector)));
      items = await pending;
    } catch (err) {
      return { error: `failed to get ${resource} ${what}: unable to get metrics for resource ${resource}: ${(err as Error).message}` };
    }
    const metrics = resourceMetrics(items, resource, container);
    if (metrics.size === 0) {
      return { error: `failed to get ${resource} ${what}: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API` };
    }
    const options = { ...this.calculator, now: sync.now };
    if (averageValue) {
      const result = rawResourceReplicas(currentReplicas, averageValue.milliValue(), resource, pods, metrics, options);
      if (!result.ok) return { error: `failed to get ${resource} usage: ${result.error}` };
      return { replicas: result.replicas, current: { averageValue: Quantity.fromMilli(result.rawAverage).toString() } };
    }
    const result = resourceReplicas(currentReplicas, target.averageUtilization!, resource, pods, metrics, options, container);
    if (!result.ok) return { error: `failed to get ${resource} utilization: ${result.error}` };
    return { replicas: result.replicas, current: { averageUtilization: result.utilization, averageValue: Quantity.fromMilli(result.rawAverage).toString() } };
  }

  private setCurrent(sync: Sync, currentReplicas: number, metricStatuses: MetricStatus[] | undefined): void {
    sync.status.currentReplicas = currentReplicas;
    sync.status.desiredReplicas ??= 0;
    if (metricStatuses) sync.status.currentMetrics = metricStatuses;
    else delete sync.status.currentMetrics;
  }

  /** Upstream's setCondition: lastTransitionTime moves only when the status flips. */
  private setCondition(sync: Sync, type: ConditionType, change: ConditionChange): void {
    const conditions = sync.status.conditions ?? [];
    const existing = conditions.find((c) => c.type === type);
    const next: HorizontalPodAutoscalerCondition = {
      type, status: change.status, reason: change.reason, message: change.message,
      lastTransitionTime: existing && existing.status === change.status ? existing.lastTransitionTime : timestamp(sync.now),
    };
    sync.status.conditions = existing ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
  }

  private async writeStatus(hpa: HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(hpa.status ?? {})) return;
    try {
      await this.options.client.updateStatus(HORIZONTALPODAUTOSCALERS, { ...hpa, status });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) void this.recorder.warning(hpa, 'FailedUpdateStatus', (err as Error).message);
      throw err;
    }
  }
}
