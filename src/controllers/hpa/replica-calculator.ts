/**
 * Kubernetes' HPA replica calculation (pkg/controller/podautoscaler/replica_calculator.go), as pure functions:
 * desired = ceil(ratio × pods counted), no change within the tolerance, pods without metrics assumed at 100% of
 * their request (or the target) on a scale-down and at 0% on a scale-up, unready pods ignored for CPU and
 * counted as 0% only when scaling up, and no change when filling in those assumptions would flip the direction.
 * All values are milli-units (millicores, milli-bytes) as upstream's MilliValue().
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../api/quantity.js';

export interface PodMetric {
  /** Usage in milli-units. */
  value: number;
  /** When the sample was taken (ms since epoch) and over how long (ms). */
  timestamp: number;
  windowMs: number;
}

/** Metrics by pod name. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface CalculatorOptions {
  /** Relative change ignored as noise; upstream 0.1. */
  tolerance: number;
  /** CPU samples of pods started this recently are trusted only once taken a window after readiness; 5 min. */
  cpuInitializationPeriodMs: number;
  /** A pod not ready this soon after start is treated as never-ready; 30 s. */
  delayOfInitialReadinessStatusMs: number;
  now?: number;
}

export const DEFAULT_CALCULATOR_OPTIONS: CalculatorOptions = {
  tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000,
};

export type Result<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Sorts pods as upstream's groupPods: deleted/failed ignored, pending unready, no metric missing, CPU readiness. */
export function groupPods(pods: Pod[], metrics: PodMetricsInfo, resource: string, options: CalculatorOptions): PodGroups {
  const now = options.now ?? Date.now();
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp || phase === 'Failed' || phase === 'Succeeded') { groups.ignored.add(name); continue; }
    if (phase === 'Pending') { groups.unready.add(name); continue; }
    const metric = metrics.get(name);
    if (!metric) { groups.missing.add(name); continue; }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const started = Date.parse(pod.status?.startTime ?? '');
      let unready: boolean;
      if (!ready || Number.isNaN(started)) {
        unready = true;
      } else {
        const transition = Date.parse(ready.lastTransitionTime ?? '') || 0;
        if (started + options.cpuInitializationPeriodMs > now) {
          // Still initialising: use the sample only if the pod is ready and a full window was measured since.
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Ignore the sample of a pod that is unready and has never been ready.
          unready = ready.status === 'False' && started + options.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) { groups.unready.add(name); continue; }
    }
    groups.readyPodCount++;
  }
  return groups;
}

/** Sum of the containers' requests for `resource` per pod (milli-units); an error names a container without one. */
export function podRequests(pods: Pod[], resource: string, container?: string): Result<{ requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    // Regular containers and restartable (sidecar) init containers.
    const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
      if (container && c.name !== container) continue;
      const q = tryParseQuantity(c.resources?.requests?.[resource]);
      if (!q) return { ok: false, error: `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name}` };
      sum += q.milliValue();
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return { ok: true, requests };
}

/** Upstream's GetResourceUtilizationRatio: utilization is an integer percentage of the summed requests. */
export function utilizationRatio(metrics: PodMetricsInfo, requests: Map<string, number>, targetUtilization: number): Result<{ ratio: number; utilization: number; rawAverage: number }> {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // extraneous metric
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) return { ok: false, error: 'no metrics returned matched known pods' };
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ok: true, ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

function removeAll(metrics: PodMetricsInfo, names: Iterable<string>): void {
  for (const name of names) metrics.delete(name);
}

/** The metrics a resource calculation counts (ignored and unready pods' removed), the oldest sample's time, the groups. */
function countedMetrics(pods: Pod[], podMetrics: PodMetricsInfo, resource: string, options: CalculatorOptions): Result<{ metrics: PodMetricsInfo; timestamp: number; groups: PodGroups }> {
  if (pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const metrics: PodMetricsInfo = new Map(podMetrics);
  const timestamp = oldestTimestamp(metrics);
  const groups = groupPods(pods, metrics, resource, options);
  removeAll(metrics, groups.ignored);
  removeAll(metrics, groups.unready);
  if (metrics.size === 0) return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  return { ok: true, metrics, timestamp, groups };
}

function oldestTimestamp(metrics: PodMetricsInfo): number {
  let ts = 0;
  for (const m of metrics.values()) if (ts === 0 || m.timestamp < ts) ts = m.timestamp;
  return ts;
}

export interface ResourceProposal {
  replicas: number;
  /** Percentage of request (Utilization targets only). */
  utilization?: number;
  /** Average usage per pod in milli-units. */
  rawAverage: number;
  timestamp: number;
}

/** Shared tail of both calculations: fill in missing/unready pods and recompute, guarding the direction. */
function adjustForMissingAndUnready(
  currentReplicas: number, usageRatio: number, groups: PodGroups, metrics: PodMetricsInfo,
  fillMissingOnScaleDown: (name: string) => number, recompute: () => number, tolerance: number,
): number {
  const scaleUpWithUnready = groups.unready.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1.0 - usageRatio) <= tolerance) return currentReplicas;
    return Math.ceil(usageRatio * groups.readyPodCount);
  }
  if (groups.missing.size > 0) {
    if (usageRatio < 1.0) {
      for (const name of groups.missing) metrics.set(name, { value: fillMissingOnScaleDown(name), timestamp: 0, windowMs: 0 });
    } else if (usageRatio > 1.0) {
      for (const name of groups.missing) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const newRatio = recompute();
  if (Math.abs(1.0 - newRatio) <= tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0)) {
    return currentReplicas; // too small a change, or the assumptions would reverse the direction
  }
  const newReplicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas)) return currentReplicas;
  return newReplicas;
}

/** GetResourceReplicas: a Utilization target (percentage of the pods' requests). */
export function resourceReplicas(
  currentReplicas: number, targetUtilization: number, resource: string, pods: Pod[], podMetrics: PodMetricsInfo,
  options: CalculatorOptions = DEFAULT_CALCULATOR_OPTIONS, container?: string,
): Result<ResourceProposal> {
  const counted = countedMetrics(pods, podMetrics, resource, options);
  if (!counted.ok) return counted;
  const { metrics, timestamp, groups } = counted;
  const requested = podRequests(pods, resource, container);
  if (!requested.ok) return requested;
  const first = utilizationRatio(metrics, requested.requests, targetUtilization);
  if (!first.ok) return first;
  const fallback = Math.max(100, targetUtilization);
  const replicas = adjustForMissingAndUnready(
    currentReplicas, first.ratio, groups, metrics,
    (name) => Math.trunc(((requested.requests.get(name) ?? 0) * fallback) / 100),
    () => { const again = utilizationRatio(metrics, requested.requests, targetUtilization); return again.ok ? again.ratio : first.ratio; },
    options.tolerance,
  );
  return { ok: true, replicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
}

/** GetRawResourceReplicas / calcPlainMetricReplicas: an AverageValue target (milli-units per pod). */
export function rawResourceReplicas(
  currentReplicas: number, targetAverage: number, resource: string, pods: Pod[], podMetrics: PodMetricsInfo,
  options: CalculatorOptions = DEFAULT_CALCULATOR_OPTIONS,
): Result<ResourceProposal> {
  const counted = countedMetrics(pods, podMetrics, resource, options);
  if (!counted.ok) return counted;
  const { metrics, timestamp, groups } = counted;
  const usageRatio = (): { ratio: number; usage: number } => {
    let total = 0;
    for (const m of metrics.values()) total += m.value;
    const usage = Math.trunc(total / metrics.size);
    return { ratio: usage / targetAverage, usage };
  };
  const first = usageRatio();
  const replicas = adjustForMissingAndUnready(
    currentReplicas, first.ratio, groups, metrics, () => targetAverage, () => usageRatio().ratio, options.tolerance,
  );
  return { ok: true, replicas, rawAverage: first.usage, timestamp };
}
