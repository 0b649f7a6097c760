import { pino, type Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { isGone, type ApiClient, type Ref, type Scope, type WatchHandle } from './api-client.js';
import { keyOf, type Resource } from './resources.js';
import type { WatchEvent } from './watch-stream.js';

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the last state the cache knew (after a relist it may be older than the real final state). */
  onDelete?(obj: T): void;
}

/** Maps an object to the index values it should be found under (e.g. a pod to [spec.nodeName]). */
export type IndexFunc<T> = (obj: T) => string[];

export interface InformerOptions<T> extends Scope {
  labelSelector?: string;
  fieldSelector?: string;
  /** Named secondary indexes, queried with byIndex(name, value). */
  indexers?: Record<string, IndexFunc<T>>;
  logger?: Logger;
  /** How long each watch asks the server to stay open before a clean re-watch; default 300 s. */
  watchTimeoutSeconds?: number;
  /** Re-deliver every cached object to onUpdate(obj, obj) this often (0: never, the default). */
  resyncMs?: number;
  /** Back-off bounds after a failed list or watch; default 100 ms … 10 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A list+watch cache (client-go's reflector + indexer): lists once, then watches from the list's
 * resourceVersion with bookmarks; resumes from the last seen version after a disconnect and relists after 410.
 * Handlers see add/update/delete in order; the cache is always updated before handlers run.
 */
/** The name of the index every informer maintains by metadata.namespace. */
export const NAMESPACE_INDEX = 'namespace';

export class Informer<T extends Resource = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexValues = new Map<string, Map<string, string[]>>();
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly syncWaiters = new Set<() => void>();
  private readonly logger: Logger;
  private resourceVersion = '';
  private counts = { lists: 0, watches: 0 };
  private synced = false;
  private running = false;
  private stopped = false;
  private watch?: WatchHandle;
  private sleepCancel?: () => void;
  private resyncTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private readonly indexers: Record<string, IndexFunc<T>>;

  constructor(private readonly client: ApiClient, readonly ref: Ref<T>, private readonly options: InformerOptions<T> = {}) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ informer: ref.plural });
    // Every informer keeps client-go's namespace index, so controllers can list an owner's namespace cheaply.
    this.indexers = { [NAMESPACE_INDEX]: (obj) => [obj.metadata?.namespace ?? ''], ...options.indexers };
    for (const name of Object.keys(this.indexers)) {
      this.indexes.set(name, new Map());
      this.indexValues.set(name, new Map());
    }
  }

  /** Registers handlers; if the cache already holds objects, they are replayed to onAdd. Returns an unsubscribe. */
  addHandlers(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (handlers.onAdd) for (const obj of this.items.values()) this.call(() => handlers.onAdd?.(obj));
    return () => { this.handlers.delete(handlers); };
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run();
    if (this.options.resyncMs) {
      this.resyncTimer = setInterval(() => {
        for (const obj of this.items.values()) this.emit((h) => h.onUpdate?.(obj, obj));
      }, this.options.resyncMs);
      this.resyncTimer.unref();
    }
  }

  /** Stops watching; the cache keeps its last contents. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watch?.abort();
    this.sleepCancel?.();
    await this.loop;
    for (const waiter of this.syncWaiters) waiter();
    this.syncWaiters.clear();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (or when the informer is stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.add(resolve));
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** How many lists and watches this informer has made (a list after the first means a relist). */
  stats(): { lists: number; watches: number } {
    return { ...this.counts };
  }

  /** The cached object for `namespace/name` (or `name`). Cached objects are shared: treat them as read-only. */
  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Adds a secondary index (also over the objects already cached). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name)) return;
    this.indexers[name] = fn;
    this.indexes.set(name, new Map());
    this.indexValues.set(name, new Map());
    for (const [key, obj] of this.items) this.reindex(key, obj);
  }

  /** Cached objects in one namespace (the built-in namespace index). */
  inNamespace(namespace: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Objects whose index function returned `value` for the index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.ref.plural}: no index named ${JSON.stringify(name)}`);
    return [...(index.get(value) ?? [])].map((key) => this.items.get(key)).filter((obj): obj is T => obj !== undefined);
  }

  private async run(): Promise<void> {
    const minBackoff = this.options.minBackoffMs ?? 100;
    const maxBackoff = this.options.maxBackoffMs ?? 10_000;
    let backoff = minBackoff;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const started = Date.now();
        await this.watchOnce();
        backoff = minBackoff;
        // A server that keeps closing watches at once must not make us spin.
        if (Date.now() - started < 1000) await this.sleep(minBackoff);
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.logger.info({ resourceVersion: this.resourceVersion }, 'watch expired (410); relisting');
          needList = true;
          continue;
        }
        this.logger.warn({ err: (err as Error).message, retryInMs: backoff }, 'list/watch failed; retrying');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.ref, {
      namespace: this.options.namespace, labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector,
    });
    this.counts.lists += 1;
    if (this.stopped) return;
    this.replace(list.items);
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters) waiter();
      this.syncWaiters.clear();
    }
  }

  private async watchOnce(): Promise<void> {
    const timeout = this.options.watchTimeoutSeconds ?? 300;
    const jitter = Math.floor(Math.random() * timeout * 0.2);
    this.watch = this.client.watch<T>(this.ref, {
      namespace: this.options.namespace, labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector,
      resourceVersion: this.resourceVersion, allowWatchBookmarks: true,
      timeoutSeconds: timeout + jitter,
    }, (event) => this.onWatchEvent(event));
    this.counts.watches += 1;
    if (this.stopped) this.watch.abort();
    await this.watch.done;
  }

  private onWatchEvent(event: WatchEvent<T>): void {
    const rv = event.object.metadata?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(event.object);
        break;
      case 'DELETED':
        this.remove(keyOf(event.object), event.object);
        break;
      case 'BOOKMARK':
        break;
      default:
        return;
    }
    if (rv) this.resourceVersion = rv;
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(keyOf(obj));
      const old = this.items.get(keyOf(obj));
      if (!old || old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.upsert(obj);
    }
    for (const [key, obj] of [...this.items]) if (!seen.has(key)) this.remove(key, obj);
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.reindex(key, obj);
    if (old) this.emit((h) => h.onUpdate?.(old, obj));
    else this.emit((h) => h.onAdd?.(obj));
  }

  private remove(key: string, finalState: T): void {
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.reindex(key, undefined);
    this.emit((h) => h.onDelete?.(finalState ?? old));
  }

  private reindex(key: string, obj: T | undefined): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name)!;
      const valuesByKey = this.indexValues.get(name)!;
      for (const value of valuesByKey.get(key) ?? []) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys && keys.size === 0) index.delete(value);
      }
      if (!obj) {
        valuesByKey.delete(key);
        continue;
      }
      const values = fn(obj);
      valuesByKey.set(key, values);
      for (const value of values) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private emit(call: (handlers: EventHandlers<T>) => void): void {
    for (const handlers of this.handlers) this.call(() => call(handlers));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, 'informer handler threw');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.sleepCancel = () => { clearTimeout(timer); resolve(); };
    });
  }
}
