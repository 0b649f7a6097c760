export interface WorkQueueOptions {
  /** First retry delay after a failure; doubles per consecutive failure. Default 5 ms. */
  baseDelayMs?: number;
  /** Cap on the retry delay. Default 60 s. */
  maxDelayMs?: number;
}

/**
 * A de-duplicating work queue (client-go's workqueue): a key is queued at most once; a key being processed is
 * not handed to a second worker — if it is added meanwhile, it is queued again when done() is called.
 * Failures back off exponentially per key (addRateLimited) until forget() resets them.
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: K | undefined) => void> = [];
  private shutdown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  add(key: K): void {
    if (this.shutdown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds the key after `delayMs`; an earlier pending addAfter for the same key wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.shutdown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Re-adds after an exponential back-off that grows with each consecutive failure of this key. */
  addRateLimited(key: K): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, this.backoffFor(failures));
  }

  /** Clears the key's failure history (call after a successful reconcile). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, waiting for one; `undefined` once the queue is shut down. Call done(key) after. */
  get(): Promise<K | undefined> {
    if (this.shutdown) return Promise.resolve(undefined); // stop promptly; keys left are picked up on restart
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks processing finished; a key added while it was processing is queued again now. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shutdown;
  }

  /** Stops accepting and handing out keys; waiting get() calls resolve with undefined; delayed adds are dropped. */
  shutDown(): void {
    this.shutdown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private backoffFor(failures: number): number {
    return Math.min(this.baseDelayMs * 2 ** Math.min(failures, 30), this.maxDelayMs);
  }
}
