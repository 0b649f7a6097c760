/**
 * The embedded Store: SQLite (better-sqlite3) in WAL mode with a kine-like append-only log (see sqlite-schema.ts).
 *
 * Group commit: a write runs at once inside an open transaction that commits on the next turn of the event loop
 * (or as soon as `maxBatch` operations are waiting), so every write that arrives in the same turn shares one
 * commit. No promise — write or read — settles before the commit that covers what it saw, so nothing that was
 * not durable is ever acknowledged or shown.
 *
 * Durability: with synchronous 'normal' (default) a commit appends the transaction to the WAL with write(2)
 * before the promise settles; the bytes are then in the kernel's page cache, so they survive the process being
 * killed at any moment (kill -9, crash, OOM). Only an OS crash or power loss can lose the last commits (the file
 * stays consistent). synchronous 'full' also fsyncs the WAL on every commit and survives power loss; group
 * commit keeps that affordable.
 *
 * The database is opened with an exclusive lock: one process owns it, which is what keeps the in-memory
 * revision counter and the watch fan-out correct.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { createSchema, type MetaName } from './sqlite-schema.js';
import { prefixEnd } from './prefix-range.js';
import { WatchHub, type EventHistory } from './watch-hub.js';
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type Watcher,
  type WatchOptions,
} from './store.js';

export interface SqliteStoreOptions {
  /**
   * 'normal' (default): every acknowledged write survives the process being killed; an OS crash or power loss
   * may lose the last few. 'full': acknowledged writes also survive power loss (fsync per group commit).
   */
  synchronous?: 'normal' | 'full';
  /** Most operations one transaction groups before it commits early (default 1000). */
  maxBatch?: number;
  /** How long to wait for another process to release the database (default 1000 ms). */
  lockTimeoutMs?: number;
  /** Revisions of history a new watcher reads per step while catching up (default 5000). */
  watchHistoryStep?: number;
}

/** Revisions per compaction transaction, so a large compaction never stalls writers for long. */
const COMPACTION_STEP = 2000;

interface Pending {
  settle(): void;
  fail(err: Error): void;
}

interface Batch {
  readonly pending: Pending[];
  readonly events: WatchEvent[];
  readonly timer: NodeJS.Immediate;
}

interface HistoryRow {
  revision: number;
  key: string;
  value: string | null;
  createRevision: number;
  deleted: number;
  prevRevision: number;
  prevValue: string | null;
  prevCreateRevision: number | null;
}

const KV_COLUMNS = 'l.key AS key, l.value AS value, l.create_revision AS createRevision, l.revision AS modRevision';

export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return new SqliteStore(path, options);
}

export class SqliteStore implements Store {
  private readonly db: SqliteDatabase;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly queries = new Map<string, Statement>();
  private readonly hub: WatchHub;
  private readonly maxBatch: number;
  /** Latest revision handed out, including writes of the open batch. */
  private rev = 0;
  private committedRev = 0;
  private compactedRev = 0;
  private compactionDoneThrough = 0;
  private batch: Batch | undefined;
  private compaction: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(readonly path: string, options: SqliteStoreOptions = {}) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 1000);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: options.lockTimeoutMs ?? 1000 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:') throw new Error(`SQLite refused WAL mode for ${path} (got ${String(mode)})`);
      this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.pragma('cache_size = -32768');
      this.db.pragma('journal_size_limit = 67108864');
      createSchema(this.db);
    } catch (err) {
      this.db.close();
      if (isSqliteBusy(err)) {
        throw new Error(`the store ${path} is in use by another process; stop that process or use another data directory`, { cause: err });
      }
      throw err;
    }
    this.statements = prepareStatements(this.db);
    this.reloadRevisions();
    const history: EventHistory = {
      committedRevision: () => this.committedRev,
      compactedRevision: () => this.compactedRev,
      readEvents: (prefix, after, through) => this.readEvents(prefix, after, through),
    };
    this.hub = new WatchHub(history, options.watchHistoryStep);
  }

  revision(): Promise<number> {
    return this.read(() => this.rev);
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.read(() => this.statements.getCurrent.get(key) as KeyValue | undefined);
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    return this.read(() => this.listNow(prefix, options));
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.write((events) => {
      const existing = this.statements.getCurrentRevision.get(key) as number | undefined;
      if (existing !== undefined) throw new StoreError('KeyExists', `${key} already exists`, existing);
      const revision = ++this.rev;
      this.statements.insertLog.run(revision, key, revision, 0, 0, value);
      this.statements.insertCurrent.run(key, revision);
      const kv = Object.freeze({ key, value, createRevision: revision, modRevision: revision });
      events.push(Object.freeze({ type: 'PUT', kv }));
      return kv;
    });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.write((events) => {
      const prev = this.currentOrThrow(key, expectedModRevision);
      const revision = ++this.rev;
      this.statements.insertLog.run(revision, key, prev.createRevision, prev.modRevision, 0, value);
      this.statements.updateCurrent.run(revision, key);
      const kv = Object.freeze({ key, value, createRevision: prev.createRevision, modRevision: revision });
      events.push(Object.freeze({ type: 'PUT', kv, prev }));
      return kv;
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.write((events) => {
      const prev = this.currentOrThrow(key, expectedModRevision);
      const revision = ++this.rev;
      this.statements.insertLog.run(revision, key, prev.createRevision, prev.modRevision, 1, null);
      this.statements.deleteCurrent.run(key);
      const kv = Object.freeze({ key, value: prev.value, createRevision: prev.createRevision, modRevision: revision });
      events.push(Object.freeze({ type: 'DELETE', kv }));
      return kv;
    });
  }

  async watch(prefix: string, options: WatchOptions): Promise<Watcher> {
    this.assertOpen();
    return this.hub.watch(prefix, options);
  }

  compact(revision: number): Promise<void> {
    const run = this.compaction.then(() => this.compactNow(revision));
    this.compaction = run.catch(() => undefined);
    return run;
  }

  compactedRevision(): Promise<number> {
    return this.read(() => this.compactedRev);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commitBatch();
    this.closed = true;
    this.hub.closeAll(new StoreError('Closed', 'the store was closed'));
    this.db.close();
  }

  /** Watchers currently registered (live or catching up); for metrics and tests. */
  get watcherCount(): number {
    return this.hub.watcherCount;
  }

  private listNow(prefix: string, options: ListOptions): ListResult {
    const revision = options.revision ?? this.rev;
    if (revision < this.compactedRev) {
      throw new StoreError('Compacted', `revision ${revision} has been compacted (oldest readable: ${this.compactedRev}); list again without a revision`, this.compactedRev);
    }
    if (revision > this.rev) {
      throw new StoreError('FutureRevision', `revision ${revision} is newer than the store's current revision ${this.rev}`, this.rev);
    }
    const limit = options.limit !== undefined && options.limit > 0 ? Math.floor(options.limit) : 0;
    const end = prefixEnd(prefix);
    const fromHistory = revision !== this.rev;
    const params: Record<string, string | number> = { prefix, limit: limit > 0 ? limit + 1 : -1 };
    if (end !== undefined) params.end = end;
    if (options.startAfter !== undefined) params.after = options.startAfter;
    if (fromHistory) params.rev = revision;
    const items = this.listQuery(fromHistory, end !== undefined, options.startAfter !== undefined).all(params) as KeyValue[];
    const more = limit > 0 && items.length > limit;
    if (more) items.length = limit;
    return { items, revision, more };
  }

  private listQuery(fromHistory: boolean, bounded: boolean, paged: boolean): Statement {
    const name = `${fromHistory}:${bounded}:${paged}`;
    let statement = this.queries.get(name);
    if (statement) return statement;
    const range = (column: string) =>
      `${column} >= @prefix${bounded ? ` AND ${column} < @end` : ''}${paged ? ` AND ${column} > @after` : ''}`;
    const sql = fromHistory
      ? // Walks (key, revision) in key order, keeping each key's newest version at @rev, so LIMIT stops the walk early.
        `SELECT ${KV_COLUMNS} FROM log l WHERE ${range('l.key')} AND l.revision <= @rev
           AND l.revision = (SELECT max(x.revision) FROM log x WHERE x.key = l.key AND x.revision <= @rev)
           AND l.deleted = 0
         ORDER BY l.key LIMIT @limit`
      : `SELECT ${KV_COLUMNS} FROM current c JOIN log l ON l.revision = c.revision WHERE ${range('c.key')} ORDER BY c.key LIMIT @limit`;
    statement = this.db.prepare(sql);
    this.queries.set(name, statement);
    return statement;
  }

  private readEvents(prefix: string, afterRevision: number, throughRevision: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const statement = end === undefined ? this.statements.historyAll : this.statements.historyRange;
    const params: Record<string, string | number> = { after: afterRevision, through: throughRevision, prefix };
    if (end !== undefined) params.end = end;
    const rows = statement.all(params) as HistoryRow[];
    return rows.map((row): WatchEvent => {
      if (row.deleted) {
        return { type: 'DELETE', kv: { key: row.key, value: row.prevValue ?? '', createRevision: row.createRevision, modRevision: row.revision } };
      }
      const kv: KeyValue = { key: row.key, value: row.value ?? '', createRevision: row.createRevision, modRevision: row.revision };
      if (row.prevRevision > 0 && row.prevValue !== null) {
        return { type: 'PUT', kv, prev: { key: row.key, value: row.prevValue, createRevision: row.prevCreateRevision ?? row.createRevision, modRevision: row.prevRevision } };
      }
      return { type: 'PUT', kv };
    });
  }

  private async compactNow(revision: number): Promise<void> {
    this.assertOpen();
    this.commitBatch();
    if (revision > this.rev) {
      throw new StoreError('FutureRevision', `cannot compact at ${revision}: the store is only at revision ${this.rev}`, this.rev);
    }
    if (revision > this.compactedRev) {
      // From here on, reads and watches below `revision` fail; the rows go in bounded steps below.
      this.statements.setMeta.run('compacted_revision' satisfies MetaName, revision);
      this.compactedRev = revision;
    }
    while (this.compactionDoneThrough < this.compactedRev && !this.closed) {
      this.commitBatch();
      const from = this.compactionDoneThrough;
      const through = Math.min(this.compactedRev, from + COMPACTION_STEP);
      this.db.transaction(() => {
        this.statements.deleteReplaced.run(from, through);
        this.statements.deleteTombstones.run(from, through);
        this.statements.setMeta.run('compaction_done_through' satisfies MetaName, through);
      })();
      this.compactionDoneThrough = through;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private currentOrThrow(key: string, expectedModRevision: number | undefined): KeyValue {
    const current = this.statements.getCurrent.get(key) as KeyValue | undefined;
    if (current === undefined) throw new StoreError('NotFound', `${key} not found`, this.rev);
    if (expectedModRevision !== undefined && current.modRevision !== expectedModRevision) {
      throw new StoreError('Conflict', `${key} is at revision ${current.modRevision}, not ${expectedModRevision}; read it again and retry`, current.modRevision);
    }
    return Object.freeze(current);
  }

  /** Runs `op` in the open batch; the promise settles once that batch has committed. */
  private write<T>(op: (events: WatchEvent[]) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(closedError());
      const batch = this.openBatch();
      let settle: () => void;
      try {
        const value = op(batch.events);
        settle = () => resolve(value);
      } catch (err) {
        if (!(err instanceof StoreError)) {
          // An SQLite failure part-way through an operation: undo the whole batch rather than commit half of it.
          this.abortBatch(toError(err));
          return reject(err);
        }
        settle = () => reject(err);
      }
      batch.pending.push({ settle, fail: reject });
      if (batch.pending.length >= this.maxBatch) this.commitBatch();
    });
  }

  /** Runs `op` now; if it may have seen uncommitted writes, the answer waits for their commit. */
  private read<T>(op: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    const batch = this.batch;
    if (batch === undefined) {
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => {
      let settle: () => void;
      try {
        const value = op();
        settle = () => resolve(value);
      } catch (err) {
        settle = () => reject(err);
      }
      batch.pending.push({ settle, fail: reject });
    });
  }

  private openBatch(): Batch {
    if (this.batch) return this.batch;
    this.statements.begin.run();
    const batch: Batch = {
      pending: [],
      events: [],
      timer: setImmediate(() => {
        if (this.batch === batch) this.commitBatch();
      }),
    };
    this.batch = batch;
    return batch;
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    clearImmediate(batch.timer);
    this.batch = undefined;
    try {
      this.statements.commit.run();
    } catch (err) {
      this.rollbackQuietly();
      this.reloadRevisions();
      for (const pending of batch.pending) pending.fail(toError(err));
      return;
    }
    this.committedRev = this.rev;
    this.hub.publish(batch.events);
    for (const pending of batch.pending) pending.settle();
  }

  private abortBatch(err: Error): void {
    const batch = this.batch;
    if (batch === undefined) return;
    clearImmediate(batch.timer);
    this.batch = undefined;
    this.rollbackQuietly();
    this.reloadRevisions();
    for (const pending of batch.pending) pending.fail(err);
  }

  private rollbackQuietly(): void {
    try {
      if (this.db.inTransaction) this.statements.rollback.run();
    } catch {
      // SQLite already rolled back on its own (it does after some I/O errors).
    }
  }

  private reloadRevisions(): void {
    const meta = (name: MetaName) => (this.statements.getMeta.get(name) as number | undefined) ?? 0;
    this.compactedRev = meta('compacted_revision');
    this.compactionDoneThrough = meta('compaction_done_through');
    const maxLogged = (this.statements.maxRevision.get() as number | null) ?? 0;
    // Rows at or below the compacted revision may be gone, but no revision above it was ever removed.
    this.rev = Math.max(maxLogged, this.compactedRev);
    this.committedRev = this.rev;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }
}

function prepareStatements(db: SqliteDatabase) {
  return {
    begin: db.prepare('BEGIN'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    getCurrent: db.prepare(`SELECT ${KV_COLUMNS} FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?`),
    getCurrentRevision: db.prepare('SELECT revision FROM current WHERE key = ?').pluck(),
    insertLog: db.prepare('INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value) VALUES (?, ?, ?, ?, ?, ?)'),
    insertCurrent: db.prepare('INSERT INTO current (key, revision) VALUES (?, ?)'),
    updateCurrent: db.prepare('UPDATE current SET revision = ? WHERE key = ?'),
    deleteCurrent: db.prepare('DELETE FROM current WHERE key = ?'),
    maxRevision: db.prepare('SELECT max(revision) FROM log').pluck(),
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    // Versions (and tombstones) replaced by a write in the range: their successor is at or below the
    // compacted revision, so no readable state needs them.
    deleteReplaced: db.prepare('DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)'),
    deleteTombstones: db.prepare('DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1'),
    historyRange: db.prepare(historySql('AND l.key >= @prefix AND l.key < @end')),
    historyAll: db.prepare(historySql('AND l.key >= @prefix')),
  };
}

function historySql(keyFilter: string): string {
  return `SELECT l.revision AS revision, l.key AS key, l.value AS value, l.create_revision AS createRevision,
      l.deleted AS deleted, l.prev_revision AS prevRevision, p.value AS prevValue, p.create_revision AS prevCreateRevision
    FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
    WHERE l.revision > @after AND l.revision <= @through ${keyFilter}
    ORDER BY l.revision`;
}

function closedError(): StoreError {
  return new StoreError('Closed', 'the store is closed');
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isSqliteBusy(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'SQLITE_BUSY';
}
