/**
 * autoscaling/v1 HorizontalPodAutoscaler, served from the autoscaling/v2 objects in storage (as upstream's
 * pkg/apis/autoscaling/v1/conversion.go does). v1 has only a CPU utilization target; everything else v2 holds
 * travels in annotations so a v1 read-modify-write keeps it:
 *   autoscaling.alpha.kubernetes.io/metrics          spec metrics other than a CPU utilization target
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (all of them: raw values too)
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior
 * The metrics annotations use v1's own (v2beta1-style) metric shapes, as upstream writes them.
 */
import type {
  HorizontalPodAutoscaler as HpaV1, HorizontalPodAutoscalerSpec as HpaSpecV1, HorizontalPodAutoscalerStatus as HpaStatusV1,
} from 'kubernetes-types/autoscaling/v1.js';
import type {
  CrossVersionObjectReference, HorizontalPodAutoscaler as HpaV2, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerSpec as HpaSpecV2, HorizontalPodAutoscalerStatus as HpaStatusV2, MetricSpec, MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { Quantity } from 'kubernetes-types/api/resource.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { errors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { DEFAULT_CPU_UTILIZATION, hpaKind } from './hpa.js';
import { servedVersion } from './served-version.js';
import { typed, type Writable } from './define.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];


/** autoscaling/v1 MetricSpec (only ever seen inside the metrics annotation). */
export interface MetricSpecV1 {
  type: string;
  resource?: { name: string; targetAverageUtilization?: number; targetAverageValue?: Quantity };
  containerResource?: { name: string; container: string; targetAverageUtilization?: number; targetAverageValue?: Quantity };
  pods?: { metricName: string; targetAverageValue?: Quantity; selector?: LabelSelector };
  object?: { target: CrossVersionObjectReference; metricName: string; targetValue?: Quantity; averageValue?: Quantity; selector?: LabelSelector };
  external?: { metricName: string; metricSelector?: LabelSelector; targetValue?: Quantity; targetAverageValue?: Quantity };
}

/** autoscaling/v1 MetricStatus (only ever seen inside the current-metrics annotation). */
export interface MetricStatusV1 {
  type: string;
  resource?: { name: string; currentAverageUtilization?: number; currentAverageValue?: Quantity };
  containerResource?: { name: string; container: string; currentAverageUtilization?: number; currentAverageValue?: Quantity };
  pods?: { metricName: string; currentAverageValue?: Quantity; selector?: LabelSelector };
  object?: { target: CrossVersionObjectReference; metricName: string; currentValue?: Quantity; averageValue?: Quantity; selector?: LabelSelector };
  external?: { metricName: string; metricSelector?: LabelSelector; currentValue?: Quantity; currentAverageValue?: Quantity };
}

/** Copies the keys whose values are set (so a round trip adds no nulls or undefined keys). */
function defined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function metricSpecToV1(m: MetricSpec): MetricSpecV1 {
  const out: MetricSpecV1 = { type: m.type };
  if (m.resource) out.resource = defined({ name: m.resource.name, targetAverageUtilization: m.resource.target.averageUtilization, targetAverageValue: m.resource.target.averageValue });
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = defined({ name: c.name, container: c.container, targetAverageUtilization: c.target.averageUtilization, targetAverageValue: c.target.averageValue });
  }
  if (m.pods) out.pods = defined({ metricName: m.pods.metric.name, targetAverageValue: m.pods.target.averageValue, selector: m.pods.metric.selector });
  if (m.object) {
    const o = m.object;
    out.object = defined({ target: o.describedObject, metricName: o.metric.name, targetValue: o.target.value, averageValue: o.target.averageValue, selector: o.metric.selector });
  }
  if (m.external) {
    const e = m.external;
    out.external = defined({ metricName: e.metric.name, metricSelector: e.metric.selector, targetValue: e.target.value, targetAverageValue: e.target.averageValue });
  }
  return out;
}

function metricSpecFromV1(m: MetricSpecV1): MetricSpec {
  const out: Writable<MetricSpec> = { type: m.type };
  if (m.resource) {
    const r = m.resource;
    out.resource = { name: r.name, target: defined({ type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue }) };
  }
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = { name: c.name, container: c.container, target: defined({ type: c.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: c.targetAverageUtilization, averageValue: c.targetAverageValue }) };
  }
  if (m.pods) out.pods = { metric: defined({ name: m.pods.metricName, selector: m.pods.selector }), target: defined({ type: 'AverageValue', averageValue: m.pods.targetAverageValue }) };
  if (m.object) {
    const o = m.object;
    out.object = {
      describedObject: o.target, metric: defined({ name: o.metricName, selector: o.selector }),
      target: defined({ type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue }),
    };
  }
  if (m.external) {
    const e = m.external;
    out.external = { metric: defined({ name: e.metricName, selector: e.metricSelector }), target: defined({ type: e.targetValue === undefined ? 'AverageValue' : 'Value', value: e.targetValue, averageValue: e.targetAverageValue }) };
  }
  return out;
}

function metricStatusToV1(m: MetricStatus): MetricStatusV1 {
  const out: MetricStatusV1 = { type: m.type };
  if (m.resource) out.resource = defined({ name: m.resource.name, currentAverageUtilization: m.resource.current.averageUtilization, currentAverageValue: m.resource.current.averageValue });
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = defined({ name: c.name, container: c.container, currentAverageUtilization: c.current.averageUtilization, currentAverageValue: c.current.averageValue });
  }
  if (m.pods) out.pods = defined({ metricName: m.pods.metric.name, currentAverageValue: m.pods.current.averageValue, selector: m.pods.metric.selector });
  if (m.object) {
    const o = m.object;
    out.object = defined({ target: o.describedObject, metricName: o.metric.name, currentValue: o.current.value, averageValue: o.current.averageValue, selector: o.metric.selector });
  }
  if (m.external) {
    const e = m.external;
    out.external = defined({ metricName: e.metric.name, metricSelector: e.metric.selector, currentValue: e.current.value, currentAverageValue: e.current.averageValue });
  }
  return out;
}

function metricStatusFromV1(m: MetricStatusV1): MetricStatus {
  const out: Writable<MetricStatus> = { type: m.type };
  if (m.resource) out.resource = { name: m.resource.name, current: defined({ averageUtilization: m.resource.currentAverageUtilization, averageValue: m.resource.currentAverageValue }) };
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = { name: c.name, container: c.container, current: defined({ averageUtilization: c.currentAverageUtilization, averageValue: c.currentAverageValue }) };
  }
  if (m.pods) out.pods = { metric: defined({ name: m.pods.metricName, selector: m.pods.selector }), current: defined({ averageValue: m.pods.currentAverageValue }) };
  if (m.object) {
    const o = m.object;
    out.object = { describedObject: o.target, metric: defined({ name: o.metricName, selector: o.selector }), current: defined({ value: o.currentValue, averageValue: o.averageValue }) };
  }
  if (m.external) {
    const e = m.external;
    out.external = { metric: defined({ name: e.metricName, selector: e.metricSelector }), current: defined({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

function isCpuUtilizationTarget(m: MetricSpec): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.averageUtilization !== undefined;
}

/** Stored autoscaling/v2 → autoscaling/v1. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const hpa = clone(typed<HpaV2>(obj));
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) };
  for (const key of ROUND_TRIP_ANNOTATIONS) delete annotations[key];

  const specV2: Partial<HpaSpecV2> = hpa.spec ?? {};
  const metrics = specV2.metrics ?? [];
  const cpu = metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const spec: HpaSpecV1 = defined({
    scaleTargetRef: specV2.scaleTargetRef ?? { kind: '', name: '' },
    minReplicas: specV2.minReplicas,
    maxReplicas: specV2.maxReplicas ?? 0,
    targetCPUUtilizationPercentage: cpu?.resource?.target.averageUtilization,
  });
  const others = metrics.filter((m) => !isCpuUtilizationTarget(m));
  if (others.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (specV2.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(specV2.behavior);

  let status: HpaStatusV1 | undefined;
  const statusV2 = hpa.status as Partial<HpaStatusV2> | undefined;
  if (statusV2) {
    const current = statusV2.currentMetrics ?? [];
    const cpuNow = current.filter((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current.averageUtilization !== undefined).pop();
    status = defined({
      observedGeneration: statusV2.observedGeneration,
      lastScaleTime: statusV2.lastScaleTime,
      currentReplicas: statusV2.currentReplicas ?? 0,
      desiredReplicas: statusV2.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuNow?.resource?.current.averageUtilization,
    });
    // All current metrics, the CPU one included: the annotation keeps its raw value too.
    if (current.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
    if ((statusV2.conditions ?? []).length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(statusV2.conditions);
  }

  const metadata = { ...(hpa.metadata ?? {}) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: HpaV1 = defined({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec, status });
  return out as unknown as KubeObject;
}

function parseAnnotation<T>(annotations: Record<string, string>, key: string): T | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw errors.badRequest(`metadata.annotations[${key}] is not valid JSON; remove the annotation or copy it unchanged from the object the server returned`);
  }
}

function arrayAnnotation<T>(annotations: Record<string, string>, key: string): T[] | undefined {
  const value = parseAnnotation<unknown>(annotations, key);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw errors.badRequest(`metadata.annotations[${key}] must be a JSON array`);
  return value as T[];
}

/** autoscaling/v1 → autoscaling/v2 for storage. Throws 400 for a round-trip annotation that is not JSON. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const hpa = clone(typed<HpaV1>(obj));
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) };
  const otherMetrics = arrayAnnotation<MetricSpecV1>(annotations, METRIC_SPECS_ANNOTATION);
  const currentMetrics = arrayAnnotation<MetricStatusV1>(annotations, METRIC_STATUSES_ANNOTATION);
  const conditions = arrayAnnotation<HorizontalPodAutoscalerCondition>(annotations, CONDITIONS_ANNOTATION);
  const behavior = parseAnnotation<HorizontalPodAutoscalerBehavior>(annotations, BEHAVIOR_ANNOTATION);
  for (const key of ROUND_TRIP_ANNOTATIONS) delete annotations[key];

  const specV1: Partial<HpaSpecV1> = hpa.spec ?? {};
  const metrics: MetricSpec[] = (otherMetrics ?? []).map(metricSpecFromV1);
  if (specV1.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: specV1.targetCPUUtilizationPercentage } } });
  }
  // v1's implicit default, made explicit as upstream's conversion does.
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
  const spec: HpaSpecV2 = defined({
    scaleTargetRef: specV1.scaleTargetRef ?? { kind: '', name: '' },
    minReplicas: specV1.minReplicas,
    maxReplicas: specV1.maxReplicas ?? 0,
    metrics,
    behavior: behavior && typeof behavior === 'object' && Object.keys(behavior).length > 0 ? behavior : undefined,
  });

  let status: HpaStatusV2 | undefined;
  const statusV1 = hpa.status as Partial<HpaStatusV1> | undefined;
  if (statusV1) {
    let current: MetricStatus[] | undefined = currentMetrics?.map(metricStatusFromV1);
    if (current === undefined && statusV1.currentCPUUtilizationPercentage !== undefined) {
      current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: statusV1.currentCPUUtilizationPercentage } } }];
    }
    status = defined({
      observedGeneration: statusV1.observedGeneration,
      lastScaleTime: statusV1.lastScaleTime,
      currentReplicas: statusV1.currentReplicas,
      desiredReplicas: statusV1.desiredReplicas ?? 0,
      currentMetrics: current,
      conditions,
    });
  }

  const metadata = { ...(hpa.metadata ?? {}) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: HpaV2 = defined({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec, status });
  return out as unknown as KubeObject;
}

export const hpaV1Kind = servedVersion(hpaKind, {
  version: 'v1',
  definition: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
  toStorage: hpaV1ToV2,
  fromStorage: hpaV2ToV1,
});
