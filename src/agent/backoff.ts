// Kubelet-style exponential back-off per key (container restarts, image pulls): the first retry is
// immediate, then base, 2×base … up to max; a container that ran for `resetAfterMs` starts over at base.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** A run at least this long resets the back-off (Kubernetes: 10 minutes). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

export class Backoff {
  private readonly delays = new Map<string, number>();

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Milliseconds still to wait before retrying after a failure at `failedAt` (0: go now). */
  remaining(key: string, failedAt: Date, now = Date.now()): number {
    const delay = this.delays.get(key);
    if (delay === undefined) return 0;
    return Math.max(0, failedAt.getTime() + delay - now);
  }

  /** The delay now in force for key (for messages), or 0. */
  current(key: string): number {
    return this.delays.get(key) ?? 0;
  }

  /** Records a retry; `ranMs` is how long the failed attempt ran (resets the back-off when long enough). */
  next(key: string, ranMs = 0): void {
    const delay = this.delays.get(key);
    if (delay === undefined || ranMs >= this.options.resetAfterMs) this.delays.set(key, this.options.baseMs);
    else this.delays.set(key, Math.min(delay * 2, this.options.maxMs));
  }

  reset(key: string): void {
    this.delays.delete(key);
  }

  /** Forgets every key starting with prefix (a pod's keys when it goes away). */
  forgetPrefix(prefix: string): void {
    for (const key of this.delays.keys()) if (key.startsWith(prefix)) this.delays.delete(key);
  }
}
