import type { Pod } from 'kubernetes-types/core/v1.js';

export interface PodFailureBackoffOptions {
  /** Delay after the first failure; doubles with each further failure since the last success. Upstream: 10 s. */
  baseMs: number;
  /** Upper bound of the delay. Upstream: 6 min in the releases that introduced it. */
  maxMs: number;
}

export const DEFAULT_POD_FAILURE_BACKOFF: PodFailureBackoffOptions = { baseMs: 10_000, maxMs: 6 * 60_000 };

/** When a terminated pod finished: its containers' finishedAt, else its Ready condition's transition, else creation. */
export function podFinishTime(pod: Pod): number {
  let latest = 0;
  for (const c of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const at = Date.parse(c.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(at)) latest = Math.max(latest, at);
  }
  if (latest > 0) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const at = Date.parse(ready?.lastTransitionTime ?? '') || Date.parse(pod.status?.startTime ?? '') || Date.parse(pod.metadata?.creationTimestamp ?? '');
  return Number.isNaN(at) ? 0 : at;
}

/**
 * How long to wait before creating a replacement pod (upstream's backoffRecord.getRemainingTime), computed from
 * the pods themselves so it survives a restart: failures since the last success double the delay.
 */
export function remainingBackoffMs(terminated: Pod[], options: PodFailureBackoffOptions, now = Date.now()): number {
  const finished = terminated
    .filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')
    .map((p) => ({ failed: p.status?.phase === 'Failed', at: podFinishTime(p) }))
    .sort((a, b) => a.at - b.at);
  let failures = 0;
  let lastFailure = 0;
  for (const f of finished) {
    if (f.failed) { failures++; lastFailure = Math.max(lastFailure, f.at); } else { failures = 0; }
  }
  if (failures === 0) return 0;
  const delay = Math.min(options.baseMs * 2 ** Math.min(failures - 1, 30), options.maxMs);
  return Math.max(0, lastFailure + delay - now);
}
