/**
 * In-process watch fan-out for a backend that keeps its own history (the SQLite store). A new watcher first
 * catches up by reading committed history in bounded steps, then switches to live events that the backend
 * publishes right after each commit. Every watcher keeps a cursor (the last revision it was given), so the
 * hand-over from history to live can neither skip nor repeat an event.
 */
import { StoreError, type WatchEvent, type Watcher, type WatchOptions } from './store.js';

/** Synchronous access to committed history; the hub never sees uncommitted writes. */
export interface EventHistory {
  committedRevision(): number;
  compactedRevision(): number;
  /** Events for keys starting with `prefix` with afterRevision < revision <= throughRevision, in order. */
  readEvents(prefix: string, afterRevision: number, throughRevision: number): WatchEvent[];
}

interface Subscription {
  readonly prefix: string;
  /** The revision of the last event given to (or skipped for) this watcher. */
  cursor: number;
  state: 'catching-up' | 'live' | 'closed';
  readonly onEvent: WatchOptions['onEvent'];
  readonly onError: WatchOptions['onError'];
}

export class WatchHub {
  /** Live subscriptions grouped by prefix, so an event costs one startsWith per distinct prefix. */
  private readonly live = new Map<string, Set<Subscription>>();
  private readonly catchingUp = new Set<Subscription>();
  private queue: WatchEvent[] = [];
  private delivering = false;

  /** @param historyStep revisions read per catch-up step, so replaying a long history does not stall writers. */
  constructor(private readonly history: EventHistory, private readonly historyStep = 5000) {}

  /** Throws StoreError('Compacted') when afterRevision is older than the compacted revision. */
  watch(prefix: string, options: WatchOptions): Watcher {
    const compacted = this.history.compactedRevision();
    if (options.afterRevision < compacted) {
      throw new StoreError('Compacted', `cannot watch from revision ${options.afterRevision}: history up to ${compacted} has been compacted; list again and watch from the list's revision`, compacted);
    }
    const sub: Subscription = { prefix, cursor: options.afterRevision, state: 'catching-up', onEvent: options.onEvent, onError: options.onError };
    this.catchingUp.add(sub);
    // Start on a later turn so the caller holds the Watcher before the first event arrives.
    setImmediate(() => this.catchUp(sub));
    return { close: () => this.unsubscribe(sub) };
  }

  /** Deliver freshly committed events (in revision order) to live watchers. Re-entrant calls append to the queue. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || (this.live.size === 0 && !this.delivering)) return;
    for (const event of events) this.queue.push(event);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const event = this.queue[i]!;
        for (const [prefix, subs] of this.live) {
          if (!event.kv.key.startsWith(prefix)) continue;
          for (const sub of subs) this.deliver(sub, event);
        }
      }
    } finally {
      this.queue = [];
      this.delivering = false;
    }
  }

  /** End every watch with `err` (e.g. the store is closing). */
  closeAll(err: Error): void {
    const all = [...this.catchingUp];
    for (const subs of this.live.values()) all.push(...subs);
    for (const sub of all) this.fail(sub, err);
  }

  get watcherCount(): number {
    let n = this.catchingUp.size;
    for (const subs of this.live.values()) n += subs.size;
    return n;
  }

  private catchUp(sub: Subscription): void {
    if (sub.state !== 'catching-up') return;
    try {
      const compacted = this.history.compactedRevision();
      if (sub.cursor < compacted) {
        throw new StoreError('Compacted', `watch fell behind compaction at revision ${compacted}; list again and watch from the list's revision`, compacted);
      }
      const through = Math.min(this.history.committedRevision(), sub.cursor + this.historyStep);
      if (through > sub.cursor) {
        const events = this.history.readEvents(sub.prefix, sub.cursor, through);
        for (const event of events) {
          this.deliver(sub, event);
          if (sub.state !== 'catching-up') return;
        }
        sub.cursor = through;
      }
    } catch (err) {
      this.fail(sub, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (sub.cursor >= this.history.committedRevision()) {
      // Caught up: from now on every commit reaches this watcher through publish().
      this.catchingUp.delete(sub);
      sub.state = 'live';
      let subs = this.live.get(sub.prefix);
      if (!subs) this.live.set(sub.prefix, (subs = new Set()));
      subs.add(sub);
    } else {
      setImmediate(() => this.catchUp(sub));
    }
  }

  private deliver(sub: Subscription, event: WatchEvent): void {
    if (sub.state === 'closed' || event.kv.modRevision <= sub.cursor) return;
    sub.cursor = event.kv.modRevision;
    try {
      sub.onEvent(event);
    } catch (err) {
      this.fail(sub, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(sub: Subscription, err: Error): void {
    if (sub.state === 'closed') return;
    this.unsubscribe(sub);
    if (sub.onError) {
      try {
        sub.onError(err);
      } catch {
        // The watcher is already gone; an error from its own error handler has nowhere better to go.
      }
    }
  }

  private unsubscribe(sub: Subscription): void {
    if (sub.state === 'closed') return;
    sub.state = 'closed';
    this.catchingUp.delete(sub);
    const subs = this.live.get(sub.prefix);
    if (subs) {
      subs.delete(sub);
      if (subs.size === 0) this.live.delete(sub.prefix);
    }
  }
}
