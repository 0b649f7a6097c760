/**
 * Periodic compaction for any Store, so history stays bounded. Each run compacts to
 *   min(current revision − keepRevisions, the revision seen at the previous run),
 * so at least `keepRevisions` revisions AND at least one full interval of history stay available: a watcher
 * that reconnects within one interval (Kubernetes clients re-watch within seconds) never gets Compacted.
 * Defaults follow Kubernetes (compaction every 5 minutes) and keep at least 10,000 revisions.
 */
import type { Store } from './store.js';

export interface CompactorOptions {
  /** Revisions always kept behind the current one (default 10,000). */
  keepRevisions?: number;
  /** Time between runs (default 5 minutes). */
  intervalMs?: number;
  /** Told about a failed run; the compactor keeps going (default: ignore). */
  onError?(err: Error): void;
}

export interface Compactor {
  /** Runs one compaction now; resolves to the revision compacted at (0 when nothing was due). */
  runOnce(): Promise<number>;
  stop(): void;
}

export const DEFAULT_KEEP_REVISIONS = 10_000;
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export function startCompactor(store: Store, options: CompactorOptions = {}): Compactor {
  const keep = Math.max(0, options.keepRevisions ?? DEFAULT_KEEP_REVISIONS);
  const intervalMs = options.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  let previousRunRevision: number | undefined;
  let running: Promise<number> | undefined;
  // History counts from now: the first timed run keeps everything written since start.
  store.revision().then((revision) => (previousRunRevision ??= revision), () => undefined);

  const compactOnce = async (): Promise<number> => {
    const current = await store.revision();
    const previous = previousRunRevision;
    previousRunRevision = current;
    if (previous === undefined) return 0; // the first run only marks where history starts counting
    const target = Math.min(current - keep, previous);
    if (target <= 0 || target <= (await store.compactedRevision())) return 0;
    await store.compact(target);
    return target;
  };

  const runOnce = (): Promise<number> => {
    running ??= compactOnce().finally(() => (running = undefined));
    return running;
  };

  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    stop: () => clearInterval(timer),
  };
}
