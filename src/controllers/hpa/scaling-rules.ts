/**
 * Turning a metric recommendation into the replica count to apply, as upstream's horizontal.go does:
 * stabilization windows over recent recommendations, then min/max and rate limits — the `behavior` policies
 * (Pods/Percent per period, selectPolicy Max/Min/Disabled) when set, else the legacy limit of max(2×current, 4)
 * and a 5-minute downscale window. The history (recommendations, scale events) is kept per HPA by the caller.
 */
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from 'kubernetes-types/autoscaling/v2.js';

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** What one HPA remembers between syncs (upstream keeps the same in memory). */
export interface ScalingHistory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function newHistory(currentReplicas: number, now: number): ScalingHistory {
  return { recommendations: [{ replicas: currentReplicas, at: now }], scaleUpEvents: [], scaleDownEvents: [] };
}

export interface ConditionChange {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  desired: number;
  /** AbleToScale (always True here): ScaleUpStabilized / ScaleDownStabilized / ReadyForNewScale. */
  ableToScale: ConditionChange;
  /** ScalingLimited: True when min/max or a rate limit changed the stabilized recommendation. */
  scalingLimited: ConditionChange;
}

export interface NormalizeArgs {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior?: HorizontalPodAutoscalerBehavior;
  /** Controller-wide downscale stabilization (upstream --horizontal-pod-autoscaler-downscale-stabilization, 5 min). */
  downscaleStabilizationMs: number;
  now: number;
}

const READY = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' } as const;

function limited(desired: number, stabilized: number, reason: string, message: string): ConditionChange {
  return { status: desired === stabilized ? 'False' : 'True', reason, message };
}

/** Without `behavior`: highest recommendation within the downscale window, then the legacy scale-up limit. */
function normalizeLegacy(history: ScalingHistory, args: NormalizeArgs): Normalized {
  const cutoff = args.now - args.downscaleStabilizationMs;
  let stabilized = args.desiredReplicas;
  let oldIndex = -1;
  history.recommendations.forEach((rec, i) => {
    if (rec.at < cutoff) oldIndex = i;
    else stabilized = Math.max(stabilized, rec.replicas);
  });
  const record = { replicas: args.desiredReplicas, at: args.now };
  if (oldIndex >= 0) history.recommendations[oldIndex] = record; else history.recommendations.push(record);
  const ableToScale: ConditionChange = stabilized !== args.desiredReplicas
    ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : READY;

  const scaleUpLimit = Math.max(2 * args.currentReplicas, 4);
  let maximum: number;
  let reason: string;
  let message: string;
  if (args.maxReplicas > scaleUpLimit) {
    maximum = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = args.maxReplicas;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  let desired = stabilized;
  if (stabilized < args.minReplicas) {
    desired = args.minReplicas;
    reason = 'TooFewReplicas';
    message = 'the desired replica count is less than the minimum replica count';
  } else if (stabilized > maximum) {
    desired = maximum;
  } else {
    reason = 'DesiredWithinRange';
    message = 'the desired count is within the acceptable range';
  }
  return { desired, ableToScale, scalingLimited: limited(desired, stabilized, reason, message) };
}

function changeWithin(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.at > cutoff ? sum + e.change : sum), 0);
}

/** The most replicas the scale-up policies allow now (upstream calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const policy of rules.policies ?? []) {
    const start = current - changeWithin(policy.periodSeconds, history.scaleUpEvents, now) + changeWithin(policy.periodSeconds, history.scaleDownEvents, now);
    const proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down policies allow now (upstream calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min'; // the smallest change is the highest count
  let result = pickMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies ?? []) {
    const start = current - changeWithin(policy.periodSeconds, history.scaleUpEvents, now) + changeWithin(policy.periodSeconds, history.scaleDownEvents, now);
    const proposed = policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** Upstream's defaults for rules the API server left unset (it defaults only a behavior that is present). */
function withDefaults(rules: HPAScalingRules | undefined, scaleUp: boolean, downscaleWindowSeconds: number): Required<Pick<HPAScalingRules, 'stabilizationWindowSeconds' | 'selectPolicy' | 'policies'>> {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? (scaleUp ? 0 : downscaleWindowSeconds),
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies ?? (scaleUp
      ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]
      : [{ type: 'Percent', value: 100, periodSeconds: 15 }]),
  };
}

/** With `behavior`: stabilize within both windows, then apply the policies' rate limits and min/max. */
function normalizeWithBehavior(history: ScalingHistory, args: NormalizeArgs): Normalized {
  const up = withDefaults(args.behavior?.scaleUp, true, args.downscaleStabilizationMs / 1000);
  const down = withDefaults(args.behavior?.scaleDown, false, args.downscaleStabilizationMs / 1000);
  const upCutoff = args.now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = args.now - down.stabilizationWindowSeconds * 1000;
  let upRecommendation = args.desiredReplicas;
  let downRecommendation = args.desiredReplicas;
  let oldIndex = -1;
  history.recommendations.forEach((rec, i) => {
    if (rec.at > upCutoff) upRecommendation = Math.min(rec.replicas, upRecommendation);
    if (rec.at > downCutoff) downRecommendation = Math.max(rec.replicas, downRecommendation);
    if (rec.at < upCutoff && rec.at < downCutoff) oldIndex = i;
  });
  let stabilized = args.currentReplicas;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  const record = { replicas: args.desiredReplicas, at: args.now };
  if (oldIndex >= 0) history.recommendations[oldIndex] = record; else history.recommendations.push(record);

  const ableToScale: ConditionChange = stabilized === args.desiredReplicas ? READY
    : args.desiredReplicas >= args.currentReplicas
      ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

  let desired = stabilized;
  let reason = 'DesiredWithinRange';
  let message = 'the desired count is within the acceptable range';
  if (stabilized > args.currentReplicas) {
    const limit = Math.max(scaleUpLimit(args.currentReplicas, history, up, args.now), args.currentReplicas);
    let maximum = args.maxReplicas;
    let r = 'TooManyReplicas';
    let m = 'the desired replica count is more than the maximum replica count';
    if (maximum > limit) {
      maximum = limit;
      r = 'ScaleUpLimit';
      m = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (stabilized > maximum) { desired = maximum; reason = r; message = m; }
  } else if (stabilized < args.currentReplicas) {
    const limit = Math.min(scaleDownLimit(args.currentReplicas, history, down, args.now), args.currentReplicas);
    let minimum = args.minReplicas;
    let r = 'TooFewReplicas';
    let m = 'the desired replica count is less than the minimum replica count';
    if (minimum < limit) {
      minimum = limit;
      r = 'ScaleDownLimit';
      m = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (stabilized < minimum) { desired = minimum; reason = r; message = m; }
  }
  return { desired, ableToScale, scalingLimited: limited(desired, stabilized, reason, message) };
}

export function normalizeDesiredReplicas(history: ScalingHistory, args: NormalizeArgs): Normalized {
  return args.behavior ? normalizeWithBehavior(history, args) : normalizeLegacy(history, args);
}

function longestPeriodSeconds(rules: HPAScalingRules | undefined): number {
  return Math.max(0, ...(rules?.policies ?? [{ periodSeconds: 15 }]).map((p) => p.periodSeconds));
}

/** Records a rescale for the rate limits (only HPAs with `behavior` use them, as upstream). */
export function recordScaleEvent(history: ScalingHistory, behavior: HorizontalPodAutoscalerBehavior | undefined, previous: number, next: number, now: number): void {
  if (!behavior || previous === next) return;
  const up = next > previous;
  const events = up ? history.scaleUpEvents : history.scaleDownEvents;
  const cutoff = now - longestPeriodSeconds(up ? behavior.scaleUp : behavior.scaleDown) * 1000;
  for (const e of events) if (e.at <= cutoff) e.outdated = true;
  const event: ScaleEvent = { change: Math.abs(next - previous), at: now, outdated: false };
  const old = events.findLastIndex((e) => e.outdated);
  if (old >= 0) events[old] = event; else events.push(event);
}
