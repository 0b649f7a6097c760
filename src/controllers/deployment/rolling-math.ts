import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';

/** An int-or-string against a total: "25%" rounds up or down, a number is taken as is. */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const match = /^(\d+)%$/.exec(v);
  if (!match) return Number(v) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Kubernetes' ResolveFenceposts: surge rounds up, unavailable rounds down; both zero means unavailable 1. */
export function fenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const rolling = d.spec?.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(rolling?.maxSurge, replicas, true, '25%');
  let maxUnavailable = resolveIntOrPercent(rolling?.maxUnavailable, replicas, false, '25%');
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

export const specReplicas = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
export const sumSpec = (list: ReplicaSet[]) => list.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatus = (list: ReplicaSet[], field: 'replicas' | 'readyReplicas' | 'availableReplicas') =>
  list.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);

/**
 * Available pods that will remain: a ReplicaSet's status lags a scale-down (the pods above its new spec.replicas are
 * still counted until they are deleted), so each counts at most spec.replicas. Without this cap a sync right after
 * a scale-down removes those pods twice and drops below maxUnavailable.
 */
export const sumAvailableWithinSpec = (list: ReplicaSet[]) =>
  list.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs)), 0);

/** How many replicas the new ReplicaSet may have now (NewRSNewReplicas for RollingUpdate). */
export function newReplicaSetTarget(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = d.spec?.replicas ?? 1;
  const { maxSurge } = fenceposts(d);
  const current = sumSpec(all);
  const maxTotal = replicas + maxSurge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, scaleUp);
}

/**
 * How far old ReplicaSets may shrink now without dropping below minAvailable, counting the new ReplicaSet's
 * unavailable pods against the budget (reconcileOldReplicaSets' maxScaledDown).
 */
export function oldScaleDownBudget(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const replicas = d.spec?.replicas ?? 1;
  const { maxUnavailable } = fenceposts(d);
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newRS ? specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  return sumSpec(all) - minAvailable - Math.max(0, newUnavailable);
}
