import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscalerBehavior } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseGoDuration, resourceMetrics } from '../../src/controllers/hpa/metrics-source.js';
import { rawResourceReplicas, resourceReplicas, type CalculatorOptions, type PodMetricsInfo } from '../../src/controllers/hpa/replica-calculator.js';
import { newHistory, normalizeDesiredReplicas, recordScaleEvent, type NormalizeArgs } from '../../src/controllers/hpa/scaling-rules.js';

// The HPA algorithm as pure functions, checked against Kubernetes' rules (replica_calculator.go, horizontal.go).
const NOW = Date.parse('2026-11-25T12:00:00Z');
const LONG_AGO = new Date(NOW - 3_600_000).toISOString();
const options: CalculatorOptions = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, now: NOW };

function pod(name: string, opts: { cpuRequest?: string; phase?: string; ready?: boolean; startedAt?: string; readySince?: string; deleted?: boolean } = {}): Pod {
  const started = opts.startedAt ?? LONG_AGO;
  return {
    metadata: { name, namespace: 'default', ...(opts.deleted ? { deletionTimestamp: new Date(NOW).toISOString() } : {}) },
    spec: { containers: [{ name: 'app', image: 'x', ...(opts.cpuRequest === '' ? {} : { resources: { requests: { cpu: opts.cpuRequest ?? '1', memory: '100Mi' } } }) }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: started,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? started }],
    },
  };
}

function usage(milli: Record<string, number>, window = 15_000): PodMetricsInfo {
  return new Map(Object.entries(milli).map(([name, value]) => [name, { value, timestamp: NOW, windowMs: window }]));
}

function replicas(current: number, target: number, pods: Pod[], metrics: PodMetricsInfo, resource = 'cpu'): number {
  const result = resourceReplicas(current, target, resource, pods, metrics, options);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.replicas;
}

test('utilization: desired = ceil(current × ratio), with the 10% tolerance', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  assert.equal(replicas(3, 50, pods, usage({ a: 1000, b: 1000, c: 1000 })), 6, '100% of request against a 50% target doubles');
  assert.equal(replicas(3, 50, pods, usage({ a: 530, b: 530, c: 530 })), 3, '53% is within tolerance of 50%');
  assert.equal(replicas(3, 50, pods, usage({ a: 570, b: 570, c: 570 })), 4, '57% is outside the tolerance: ceil(1.14 × 3)');
  assert.equal(replicas(3, 50, pods, usage({ a: 100, b: 100, c: 100 })), 1, '10% scales down: ceil(0.2 × 3)');
  const result = resourceReplicas(3, 50, 'cpu', pods, usage({ a: 100, b: 200, c: 300 }), options);
  assert.ok(result.ok);
  assert.equal(result.utilization, 20);
  assert.equal(result.rawAverage, 200);
});

test('missing metrics count as 100% of request on a scale-down and 0% on a scale-up', () => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // Two pods at 20% of an 80% target; the two without metrics are assumed at 100%: 60% → ceil(0.75 × 4) = 3.
  assert.equal(replicas(4, 80, pods, usage({ a: 200, b: 200 })), 3);
  // Two at 10% of 50%: the assumption brings it to 55% — the direction would flip, so nothing changes.
  assert.equal(replicas(4, 50, pods, usage({ a: 100, b: 100 })), 4);
  // Two at 100% of a 25% target; the missing two count as 0%: 50% → ratio 2 → 8.
  assert.equal(replicas(4, 25, pods, usage({ a: 1000, b: 1000 })), 8);
  // Two at 100% of 50%: with the missing ones at 0% it is exactly on target → no change.
  assert.equal(replicas(4, 50, pods, usage({ a: 1000, b: 1000 })), 4);
});

test('unready pods are ignored for CPU and count as 0% only when scaling up', () => {
  // One ready pod at 100% of a 50% target and two pending: as 0% the ratio is 0.66 — no scale-up, no scale-down.
  const pending = [pod('a'), pod('b', { phase: 'Pending' }), pod('c', { phase: 'Pending' })];
  assert.equal(replicas(3, 50, pending, usage({ a: 1000 })), 3);
  // A pod that just started and is not ready yet is unready for CPU …
  const fresh = new Date(NOW - 10_000).toISOString();
  const starting = [pod('a'), pod('b'), pod('c', { startedAt: fresh, readySince: fresh, ready: false })];
  assert.equal(replicas(3, 50, starting, usage({ a: 1000, b: 1000, c: 1000 })), 4, 'c as 0%: 2000/3000 = 66% → ceil(1.32 × 3)');
  // … and a sample taken less than a window after it became ready is not trusted either.
  const justReady = [pod('a'), pod('b'), pod('c', { startedAt: fresh, readySince: new Date(NOW - 5_000).toISOString() })];
  assert.equal(replicas(3, 50, justReady, usage({ a: 1000, b: 1000, c: 1000 })), 4);
  // For memory, readiness does not matter.
  const mem = [pod('a'), pod('b'), pod('c', { startedAt: fresh, readySince: fresh, ready: false })];
  const memRequest = 100 * 1024 * 1024 * 1000;
  assert.equal(replicas(3, 50, mem, usage({ a: memRequest, b: memRequest, c: memRequest }), 'memory'), 6);
  // When scaling down, unready pods are simply left out.
  assert.equal(replicas(3, 50, pending, usage({ a: 100 })), 1);
});

test('deleted and failed pods are ignored; errors say what is missing', () => {
  const pods = [pod('a'), pod('b', { deleted: true }), pod('c', { phase: 'Failed' })];
  assert.equal(replicas(3, 50, pods, usage({ a: 1000, b: 1000, c: 1000 })), 2);
  const noRequest = resourceReplicas(1, 50, 'cpu', [pod('a', { cpuRequest: '' })], usage({ a: 100 }), options);
  assert.deepEqual(noRequest, { ok: false, error: 'missing request for cpu in container app of Pod a' });
  const noPods = resourceReplicas(1, 50, 'cpu', [], usage({}), options);
  assert.equal(noPods.ok, false);
  const allUnready = resourceReplicas(1, 50, 'cpu', [pod('a', { phase: 'Pending' })], usage({ a: 100 }), options);
  assert.deepEqual(allUnready, { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' });
});

test('AverageValue targets divide the average usage by the target', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  const result = rawResourceReplicas(3, 100, 'cpu', pods, usage({ a: 300, b: 300, c: 300 }), options);
  assert.ok(result.ok);
  assert.equal(result.replicas, 9);
  assert.equal(result.rawAverage, 300);
  const missing = rawResourceReplicas(3, 100, 'cpu', pods, usage({ a: 20 }), options);
  assert.ok(missing.ok);
  assert.equal(missing.replicas, 3, 'missing pods at the target on a scale-down: (20+100+100)/3 = 73 → ceil(0.73 × 3) = 3');
});

test('PodMetrics are summed over containers in milli-units; a container without the resource drops the pod', () => {
  const metrics = resourceMetrics([
    { metadata: { name: 'a' }, timestamp: '2026-11-25T12:00:00Z', window: '15s', containers: [{ name: 'x', usage: { cpu: '12m', memory: '3Mi' } }, { name: 'y', usage: { cpu: '250m', memory: '1Mi' } }] },
    { metadata: { name: 'b' }, timestamp: '2026-11-25T12:00:00Z', window: '1m0.5s', containers: [{ name: 'x', usage: { memory: '1Mi' } }] },
  ], 'cpu');
  assert.equal(metrics.get('a')?.value, 262);
  assert.equal(metrics.get('a')?.windowMs, 15_000);
  assert.equal(metrics.has('b'), false);
  assert.equal(parseGoDuration('1m0.5s'), 60_500);
  assert.equal(parseGoDuration('250ms'), 250);
});

function args(current: number, desired: number, extra: Partial<NormalizeArgs> = {}): NormalizeArgs {
  return { currentReplicas: current, desiredReplicas: desired, minReplicas: 1, maxReplicas: 20, downscaleStabilizationMs: 300_000, now: NOW, ...extra };
}

test('without behavior: scale-down waits for the highest recommendation in 5 minutes; scale-up limited to max(2×, 4)', () => {
  const history = newHistory(5, NOW - 60_000);
  const down = normalizeDesiredReplicas(history, args(5, 2));
  assert.equal(down.desired, 5);
  assert.equal(down.ableToScale.reason, 'ScaleDownStabilized');
  const later = normalizeDesiredReplicas(history, args(5, 2, { now: NOW + 300_000 }));
  assert.equal(later.desired, 2, 'the recommendation of 5 left the window');
  assert.equal(later.ableToScale.reason, 'ReadyForNewScale');

  const up = normalizeDesiredReplicas(newHistory(2, NOW), args(2, 10));
  assert.equal(up.desired, 4);
  assert.deepEqual(up.scalingLimited, { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
  const max = normalizeDesiredReplicas(newHistory(8, NOW), args(8, 30, { maxReplicas: 10 }));
  assert.equal(max.desired, 10);
  assert.equal(max.scalingLimited.reason, 'TooManyReplicas');
  const min = normalizeDesiredReplicas(newHistory(1, NOW - 400_000), args(1, 0, { minReplicas: 2 }));
  assert.equal(min.desired, 2);
  assert.equal(min.scalingLimited.reason, 'TooFewReplicas');
  const within = normalizeDesiredReplicas(newHistory(3, NOW), args(3, 5));
  assert.deepEqual(within.scalingLimited, { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
});

test('behavior: Pods/Percent policies with selectPolicy Max, Min and Disabled', () => {
  const rules = (selectPolicy: string): HorizontalPodAutoscalerBehavior => ({
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy, policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }] },
    scaleDown: { stabilizationWindowSeconds: 0, selectPolicy, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }] },
  });
  const run = (policy: string, current: number, desired: number) =>
    normalizeDesiredReplicas(newHistory(current, NOW - 1000), args(current, desired, { behavior: rules(policy), maxReplicas: 100 })).desired;
  assert.equal(run('Max', 10, 50), 20, 'the larger of +4 and +100%');
  assert.equal(run('Min', 10, 50), 14, 'the smaller of +4 and +100%');
  assert.equal(run('Disabled', 10, 50), 10);
  assert.equal(run('Max', 10, 1), 5, 'the larger drop of -2 and -50%');
  assert.equal(run('Min', 10, 1), 8);
  assert.equal(run('Disabled', 10, 1), 10);
  const limitedDown = normalizeDesiredReplicas(newHistory(10, NOW - 1000), args(10, 1, { behavior: rules('Max') }));
  assert.equal(limitedDown.scalingLimited.reason, 'ScaleDownLimit');
});

test('behavior: changes already made in a period use up the budget', () => {
  const behavior: HorizontalPodAutoscalerBehavior = {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
  };
  const history = newHistory(10, NOW - 1000);
  const first = normalizeDesiredReplicas(history, args(10, 30, { behavior, maxReplicas: 50 }));
  assert.equal(first.desired, 14);
  recordScaleEvent(history, behavior, 10, 14, NOW);
  const second = normalizeDesiredReplicas(history, args(14, 30, { behavior, maxReplicas: 50, now: NOW + 15_000 }));
  assert.equal(second.desired, 14, 'the +4 of this minute is spent');
  const third = normalizeDesiredReplicas(history, args(14, 30, { behavior, maxReplicas: 50, now: NOW + 61_000 }));
  assert.equal(third.desired, 18, 'a new period allows +4 again');
});

test('behavior: stabilization windows for scale-up and scale-down (default 300 s down when unset)', () => {
  const behavior: HorizontalPodAutoscalerBehavior = { scaleUp: { stabilizationWindowSeconds: 60 } };
  const history = newHistory(3, NOW - 30_000);
  const up = normalizeDesiredReplicas(history, args(3, 8, { behavior }));
  assert.equal(up.desired, 3, 'a recommendation of 3 within the last 60 s holds the scale-up back');
  assert.equal(up.ableToScale.reason, 'ScaleUpStabilized');
  const upLater = normalizeDesiredReplicas(history, args(3, 8, { behavior, now: NOW + 61_000 }));
  assert.equal(upLater.desired, 7, 'the window has passed: +4 pods (default policy) from 3');

  const downHistory = newHistory(6, NOW - 200_000);
  const down = normalizeDesiredReplicas(downHistory, args(6, 2, { behavior }));
  assert.equal(down.desired, 6, 'scale-down waits 300 s by default');
  const noWindow = normalizeDesiredReplicas(newHistory(6, NOW - 200_000), args(6, 2, { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }));
  assert.equal(noWindow.desired, 2);
});

test('ContainerResource: usage and requests of one container only', () => {
  const twoContainers: Pod = {
    metadata: { name: 'a' },
    spec: { containers: [
      { name: 'app', image: 'x', resources: { requests: { cpu: '200m' } } },
      { name: 'sidecar', image: 'y', resources: { requests: { cpu: '800m' } } },
    ] },
    status: { phase: 'Running', startTime: LONG_AGO, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: LONG_AGO }] },
  };
  const items = [{ metadata: { name: 'a' }, timestamp: new Date(NOW).toISOString(), window: '15s', containers: [{ name: 'app', usage: { cpu: '200m' } }, { name: 'sidecar', usage: { cpu: '0' } }] }];
  const appOnly = resourceReplicas(1, 50, 'cpu', [twoContainers], resourceMetrics(items, 'cpu', 'app'), options, 'app');
  assert.ok(appOnly.ok);
  assert.equal(appOnly.utilization, 100, 'the app container uses all of its 200m request');
  assert.equal(appOnly.replicas, 2);
  const whole = resourceReplicas(1, 50, 'cpu', [twoContainers], resourceMetrics(items, 'cpu'), options);
  assert.ok(whole.ok);
  assert.equal(whole.utilization, 20, 'over the whole pod it is 200m of 1000m');
});
