/**
 * Raw throughput of the SQLite store, without HTTP or JSON: the baseline the API server benchmark compares with.
 * `npm run bench -- store-raw [count] [valueSize]` prints creates/s, updates/s and watch delivery latency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStoreOptions } from '../src/store/sqlite-store.js';
import type { KeyValue, Store, WatchEvent } from '../src/store/store.js';

/** Writes in flight at once, like concurrent API requests. */
const DEFAULT_CONCURRENCY = 64;

/** Creates `count` keys with `valueSize`-byte values in a fresh store under `dir`; returns creates per second. */
export async function measureRawInserts(dir: string, count: number, valueSize: number, concurrency = DEFAULT_CONCURRENCY): Promise<number> {
  const store = await openSqliteStore(join(dir, `raw-inserts-${process.pid}-${Date.now()}.db`));
  try {
    return await timedCreates(store, count, jsonLikeValue(valueSize), concurrency);
  } finally {
    await store.close();
  }
}

async function timedCreates(store: Store, count: number, value: string, concurrency: number, firstKey = 0): Promise<number> {
  const started = process.hrtime.bigint();
  await inWindows(count, concurrency, (i) => store.create(podKey(firstKey + i), value));
  return count / secondsSince(started);
}

async function timedUpdates(store: Store, kvs: KeyValue[], value: string, concurrency: number): Promise<number> {
  const started = process.hrtime.bigint();
  await inWindows(kvs.length, concurrency, async (i) => {
    kvs[i] = await store.update(kvs[i]!.key, value, kvs[i]!.modRevision);
  });
  return kvs.length / secondsSince(started);
}

/** Median and p99 time from a create being issued to each of `watchers` watchers receiving it. */
async function watchLatency(store: Store, watchers: number, writes: number, value: string): Promise<{ medianMs: number; p99Ms: number }> {
  const issuedAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let received = 0;
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  const onEvent = (event: WatchEvent) => {
    latencies.push(Number(process.hrtime.bigint() - issuedAt.get(event.kv.key)!) / 1e6);
    if (++received === watchers * writes) allReceived();
  };
  const from = await store.revision();
  const handles = await Promise.all(Array.from({ length: watchers }, () => store.watch('/registry/latency/', { afterRevision: from, onEvent })));
  await new Promise((resolve) => setTimeout(resolve, 50)); // let every watcher go live
  for (let i = 0; i < writes; i++) {
    const key = `/registry/latency/pod-${i}`;
    issuedAt.set(key, process.hrtime.bigint());
    await store.create(key, value);
  }
  await done;
  for (const handle of handles) handle.close();
  latencies.sort((a, b) => a - b);
  return { medianMs: latencies[Math.floor(latencies.length / 2)]!, p99Ms: latencies[Math.floor(latencies.length * 0.99)]! };
}

/** In-run baseline: bare better-sqlite3 inserts of the same rows, same WAL settings, 64 rows per transaction. */
function bareSqliteInserts(path: string, count: number, value: string): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
    const insertMany = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(podKey(i), value);
    });
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += DEFAULT_CONCURRENCY) insertMany(i, Math.min(count, i + DEFAULT_CONCURRENCY));
    return count / secondsSince(started);
  } finally {
    db.close();
  }
}

async function inWindows(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += concurrency) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + concurrency); i++) batch.push(op(i));
    await Promise.all(batch);
  }
}

function podKey(i: number): string {
  return `/registry/pods/default/pod-${i.toString().padStart(7, '0')}`;
}

/** A JSON-ish string of about `size` bytes, so the page layout resembles stored objects. */
function jsonLikeValue(size: number): string {
  const head = '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"},"spec":{"pad":"';
  const tail = '"}}';
  return head + 'p'.repeat(Math.max(0, size - head.length - tail.length)) + tail;
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50_000);
  const valueSize = Number(process.argv[3] ?? 2048);
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-store-'));
  const value = jsonLikeValue(valueSize);
  try {
    const run = async (label: string, options: SqliteStoreOptions) => {
      const store = await openSqliteStore(join(dir, `${label}.db`), options);
      const kvs: KeyValue[] = [];
      const creates = await timedCreates(store, count, value, DEFAULT_CONCURRENCY);
      const sequential = await timedCreates(store, Math.min(count, 10_000), value, 1, count);
      for (let i = 0; i < count; i++) kvs.push((await store.get(podKey(i)))!);
      const updates = await timedUpdates(store, kvs, value, DEFAULT_CONCURRENCY);
      const latency = await watchLatency(store, 100, 200, value);
      await store.close();
      console.log(`${label.padEnd(16)} creates/s ${fmt(creates)} (${DEFAULT_CONCURRENCY} in flight)   ` +
        `creates/s one at a time ${fmt(sequential)}   updates/s ${fmt(updates)}   ` +
        `watch delivery to 100 watchers: median ${latency.medianMs.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms`);
    };
    console.log(`store-raw: ${count} keys, ${valueSize}-byte values; target for the API server baseline: creates/s well above 20,000`);
    console.log(`baseline         bare better-sqlite3 inserts/s ${fmt(bareSqliteInserts(join(dir, 'bare.db'), count, value))} (one key-value table, 64 rows per transaction)`);
    await run('sync=normal', { synchronous: 'normal' });
    await run('sync=full', { synchronous: 'full' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(7);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
