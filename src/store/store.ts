/**
 * The storage interface every backend implements (SQLite embedded, etcd later). Modelled on etcd v3:
 * one global revision that every write increments; keys carry createRevision and modRevision.
 * The API server uses modRevision as an object's resourceVersion and the store revision as a list's.
 */

export interface KeyValue {
  key: string;
  /** The stored bytes (the API server stores JSON text). */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface ListOptions {
  /** Return at most this many items (0 or undefined: all). */
  limit?: number;
  /** Start strictly after this key (for paging with limit/continue). */
  startAfter?: string;
  /** Read as of this revision (must not be compacted); default: the current revision. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when `limit` cut the result short. */
  more: boolean;
}

export type WatchEvent =
  | { type: 'PUT'; kv: KeyValue; prev?: KeyValue }
  /** kv.modRevision is the revision of the delete; kv.value is the value just before it. */
  | { type: 'DELETE'; kv: KeyValue };

export interface Watcher {
  /** Stop delivering events; idempotent. */
  close(): void;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision, then live events, in revision order. */
  afterRevision: number;
  /** Called once per event, in order. */
  onEvent(event: WatchEvent): void;
  /** Called when the watch cannot continue (e.g. the store closed); no more events follow. */
  onError?(err: Error): void;
}

/** FutureRevision: a list asked to read at a revision the store has not reached yet (currentRevision says where it is). */
export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Closed';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly currentRevision?: number) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  /** The current (latest) revision. */
  revision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, in key order. Throws StoreError('Compacted') for a compacted revision. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Throws StoreError('KeyExists') if the key is present. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals `expectedModRevision`.
   * Throws StoreError('NotFound') if absent and StoreError('Conflict') if the revision differs.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes the key (only if its modRevision equals `expectedModRevision`, when given) and returns the
   * deleted KeyValue with modRevision set to the delete's revision. Throws NotFound / Conflict.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Watch keys starting with `prefix`. Throws StoreError('Compacted', …, compactedRevision) synchronously
   * or via the returned promise when afterRevision is older than the compacted revision.
   */
  watch(prefix: string, options: WatchOptions): Promise<Watcher>;
  /** Forget history at and below `revision` (watches/lists from there get Compacted). */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch may start after. */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
