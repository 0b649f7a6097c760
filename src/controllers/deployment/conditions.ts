import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Sets a condition; lastTransitionTime moves only when the status changes, lastUpdateTime on every set. */
export function setCondition(status: DeploymentStatus, condition: Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>, now: string): void {
  const existing = getCondition(status, condition.type);
  if (existing && existing.status === condition.status && existing.reason === condition.reason && existing.message === condition.message) return;
  const next: DeploymentCondition = {
    ...condition,
    lastUpdateTime: now,
    lastTransitionTime: existing && existing.status === condition.status ? existing.lastTransitionTime : now,
  };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}
