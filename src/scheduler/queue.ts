import type { Pod } from 'kubernetes-types/core/v1.js';
import { podKey } from './framework/pod-info.js';

interface Entry {
  key: string;
  pod: Pod;
  priority: number;
  /** When the pod entered the queue first (its creation time), for FIFO among equal priorities. */
  timestamp: number;
  attempts: number;
  backoffUntil: number;
}

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at the latest after this long, even without a helpful event. */
  unschedulableTimeoutMs?: number;
  now?: () => number;
}

/** Queue sort (PrioritySort): higher priority first, then older first. */
function less(a: Entry, b: Entry): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.timestamp < b.timestamp;
}

/**
 * The scheduling queue: an active heap, a back-off area for pods that just failed, and an unschedulable area
 * whose pods wait for a cluster event that may make them fit (node added or changed, pod deleted …).
 */
export class SchedulingQueue {
  private readonly heap: Entry[] = [];
  private readonly inHeap = new Map<string, Entry>();
  private readonly backoff = new Map<string, Entry>();
  private readonly unschedulable = new Map<string, Entry & { since: number }>();
  private readonly attempts = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unschedulableTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: QueueOptions = {}) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.unschedulableTimeoutMs = options.unschedulableTimeoutMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get length(): number {
    return this.heap.length + this.backoff.size + this.unschedulable.size;
  }

  activeLength(): number {
    return this.heap.length;
  }

  has(key: string): boolean {
    return this.inHeap.has(key) || this.backoff.has(key) || this.unschedulable.has(key);
  }

  private entry(pod: Pod): Entry {
    const key = podKey(pod);
    const created = Date.parse(pod.metadata?.creationTimestamp ?? '') || this.now();
    return { key, pod, priority: pod.spec?.priority ?? 0, timestamp: created, attempts: this.attempts.get(key) ?? 0, backoffUntil: 0 };
  }

  /** A new pending pod (or an update to one already queued: it keeps its place and area). */
  add(pod: Pod): void {
    if (this.closed) return;
    const key = podKey(pod);
    const queued = this.inHeap.get(key) ?? this.backoff.get(key);
    if (queued) { queued.pod = pod; return; }
    const parked = this.unschedulable.get(key);
    if (parked) {
      // An update to an unschedulable pod may make it fit: retry it.
      this.unschedulable.delete(key);
      parked.pod = pod;
      this.requeue(parked);
      return;
    }
    this.push(this.entry(pod));
  }

  delete(key: string): void {
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.attempts.delete(key);
    const entry = this.inHeap.get(key);
    if (entry) {
      const i = this.heap.indexOf(entry);
      this.inHeap.delete(key);
      const last = this.heap.pop()!;
      if (i < this.heap.length) { this.heap[i] = last; this.siftDown(i); this.siftUp(i); }
    }
  }

  /** The pod failed to fit: park it until a cluster event, with back-off before its next try. */
  addUnschedulable(pod: Pod): void {
    if (this.closed) return;
    const entry = this.entry(pod);
    entry.attempts = (this.attempts.get(entry.key) ?? 0) + 1;
    this.attempts.set(entry.key, entry.attempts);
    entry.backoffUntil = this.now() + this.backoffFor(entry.attempts);
    this.unschedulable.set(entry.key, { ...entry, since: this.now() });
  }

  /** The pod failed for a transient reason (e.g. the bind call failed): retry after back-off. */
  addBackoff(pod: Pod): void {
    const entry = this.entry(pod);
    entry.attempts = (this.attempts.get(entry.key) ?? 0) + 1;
    this.attempts.set(entry.key, entry.attempts);
    entry.backoffUntil = this.now() + this.backoffFor(entry.attempts);
    this.requeue(entry);
  }

  /** Scheduled: forget its attempts. */
  forget(key: string): void {
    this.attempts.delete(key);
  }

  /** A cluster event that can make unschedulable pods fit: move them all to back-off or active. */
  moveAllToActiveOrBackoff(): void {
    for (const [key, entry] of this.unschedulable) {
      this.unschedulable.delete(key);
      this.requeue(entry);
    }
  }

  private backoffFor(attempts: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, attempts - 1));
  }

  private requeue(entry: Entry): void {
    if (entry.backoffUntil > this.now()) {
      this.backoff.set(entry.key, entry);
      this.arm();
    } else this.push(entry);
  }

  /** Moves due back-off entries and timed-out unschedulable entries into the active heap. */
  flush(): void {
    const now = this.now();
    for (const [key, entry] of this.backoff) {
      if (entry.backoffUntil <= now) { this.backoff.delete(key); this.push(entry); }
    }
    for (const [key, entry] of this.unschedulable) {
      if (now - entry.since >= this.unschedulableTimeoutMs) { this.unschedulable.delete(key); this.requeue(entry); }
    }
    this.arm();
  }

  /** Sets the timer for the earliest due back-off (or the periodic unschedulable check), re-arming if sooner. */
  private arm(): void {
    if (this.closed) return;
    let next = Infinity;
    for (const entry of this.backoff.values()) next = Math.min(next, entry.backoffUntil);
    if (this.unschedulable.size > 0) next = Math.min(next, this.now() + 30_000);
    if (!Number.isFinite(next) || (this.timer && next >= this.timerDue)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next;
    this.timer = setTimeout(() => { this.timer = undefined; this.timerDue = Infinity; this.flush(); }, Math.max(0, next - this.now()));
    this.timer.unref?.();
  }

  private push(entry: Entry): void {
    this.inHeap.set(entry.key, entry);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next pod to schedule, waiting for one if the active heap is empty; undefined once closed. */
  async pop(): Promise<Pod | undefined> {
    while (!this.closed) {
      const top = this.heap[0];
      if (top) {
        const last = this.heap.pop()!;
        if (this.heap.length > 0) { this.heap[0] = last; this.siftDown(0); }
        this.inHeap.delete(top.key);
        return top.pod;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of this.waiters) wake();
    this.waiters = [];
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
