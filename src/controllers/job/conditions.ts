import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';

export type JobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'FailureTarget' | 'SuccessCriteriaMet';

/** Reasons and messages as kube-controller-manager 1.32 writes them. */
export const REASONS = {
  completionsReached: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  backoffLimitExceeded: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadlineExceeded: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
  suspended: { reason: 'JobSuspended', message: 'Job suspended' },
  resumed: { reason: 'JobResumed', message: 'Job resumed' },
} as const;

export function findCondition(status: JobStatus | undefined, type: JobConditionType): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(job: Job, type: JobConditionType): boolean {
  return findCondition(job.status, type)?.status === 'True';
}

/** Complete or Failed: the Job is done and only its TTL remains to handle. */
export function isFinished(job: Job): boolean {
  return hasTrueCondition(job, 'Complete') || hasTrueCondition(job, 'Failed');
}

/** When the Job finished (the terminal condition's transition time), or undefined while it runs. */
export function finishedAt(job: Job): number | undefined {
  const condition = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!condition) return undefined;
  const at = Date.parse(condition.lastTransitionTime ?? '') || Date.parse(job.status?.completionTime ?? '');
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Sets a condition (upstream's ensureJobConditionStatus): lastProbeTime moves on every change, lastTransitionTime
 * only when the status flips. Returns true when something changed.
 */
export function setJobCondition(status: JobStatus, type: JobConditionType, value: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const existing = findCondition(status, type);
  if (existing && existing.status === value && existing.reason === reason && existing.message === message) return false;
  if (!existing && value === 'False') return false; // upstream never adds a condition as False
  const next: JobCondition = {
    type, status: value, reason, message, lastProbeTime: now,
    lastTransitionTime: existing && existing.status === value ? existing.lastTransitionTime : now,
  };
  status.conditions = existing
    ? (status.conditions ?? []).map((c) => (c.type === type ? next : c))
    : [...(status.conditions ?? []), next];
  return true;
}
