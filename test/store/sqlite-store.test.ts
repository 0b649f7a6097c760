import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite-store.js';
import { collect, eventSummary, rejectsWith, storeContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'stratus-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(root, `store-${++counter}`, 'state.db');

storeContract('sqlite', () => openSqliteStore(freshPath()));

describe('sqlite store', () => {
  const reopen = (path: string, options?: SqliteStoreOptions) => openSqliteStore(path, options);

  it('keeps data, revisions and the compacted revision across a reopen', async () => {
    const path = freshPath();
    let store = await reopen(path);
    const a = await store.create('/k/a', 'a1');
    await store.update('/k/a', 'a2', a.modRevision);
    await store.create('/k/b', 'b1');
    await store.compact(2);
    await store.close();

    store = await reopen(path);
    assert.equal(await store.revision(), 3);
    assert.equal(await store.compactedRevision(), 2);
    assert.deepEqual((await store.list('/k/')).items.map((kv) => ({ ...kv })), [
      { key: '/k/a', value: 'a2', createRevision: 1, modRevision: 2 },
      { key: '/k/b', value: 'b1', createRevision: 3, modRevision: 3 },
    ]);
    assert.equal((await store.create('/k/c', 'c1')).modRevision, 4);
    await store.close();
  });

  it('never reuses a revision, even after the newest rows were compacted away', async () => {
    const path = freshPath();
    let store = await reopen(path);
    await store.create('/k/a', 'a');
    await store.create('/k/b', 'b');
    await store.delete('/k/b');
    await store.delete('/k/a');
    await store.compact(4); // removes every row: the log is empty now
    await store.close();
    assert.equal(countLogRows(path), 0);

    store = await reopen(path);
    assert.equal(await store.revision(), 4);
    assert.equal((await store.create('/k/a', 'again')).createRevision, 5);
    await store.close();
  });

  it('removes replaced versions and tombstones at or below the compacted revision from disk', async () => {
    const path = freshPath();
    const store = await reopen(path);
    let kv = await store.create('/k/a', '0');
    for (let i = 1; i < 5000; i++) kv = await store.update('/k/a', `${i}`, kv.modRevision); // revisions 1..5000
    await store.create('/k/gone', 'x'); // 5001
    await store.delete('/k/gone'); // 5002
    await store.create('/k/b', 'b'); // 5003
    await store.compact(5002);
    assert.equal((await store.get('/k/a'))!.value, '4999');
    await store.close();
    assert.equal(countLogRows(path), 2); // /k/a@5000 and /k/b@5003
  });

  it('refuses a second opener while the store is open, with an actionable message', async () => {
    const path = freshPath();
    const store = await reopen(path);
    await assert.rejects(reopen(path, { lockTimeoutMs: 20 }), /in use by another process/);
    await store.close();
    (await reopen(path)).close();
  });

  it('groups concurrent writes into shared commits without mixing up their answers', async () => {
    const store = await reopen(freshPath(), { maxBatch: 50 });
    const results = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => store.create(`/g/${i % 400}`, `${i}`)));
    const created = results.filter((r) => r.status === 'fulfilled');
    assert.equal(created.length, 400);
    assert.equal(results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'KeyExists').length, 100);
    const revisions = created.map((r) => (r as PromiseFulfilledResult<{ modRevision: number }>).value.modRevision);
    assert.deepEqual(revisions, Array.from({ length: 400 }, (_, i) => i + 1));
    assert.equal((await store.list('/g/')).items.length, 400);
    await store.close();
  });

  it('catches a watcher up over a long history in steps while writes continue', async () => {
    const store = await reopen(freshPath(), { watchHistoryStep: 64 });
    for (let i = 0; i < 1000; i++) await store.create(`/h/${i}`, `${i}`);
    const c = await collect(store, '/h/', 10);
    const writes = Promise.all(Array.from({ length: 300 }, (_, i) => store.create(`/h/late-${i}`, 'v')));
    await writes;
    const events = await c.waitFor(1290);
    assert.deepEqual(events.map((e) => e.kv.modRevision), Array.from({ length: 1290 }, (_, i) => i + 11));
    c.watcher.close();
    await store.close();
  });

  it('fails a watcher that falls behind a compaction while catching up', async () => {
    const store = await reopen(freshPath(), { watchHistoryStep: 10 });
    for (let i = 0; i < 200; i++) await store.create(`/h/${i % 5}`, `${i}`).catch(async () => {
      const kv = (await store.get(`/h/${i % 5}`))!;
      await store.update(kv.key, `${i}`, kv.modRevision);
    });
    const c = await collect(store, '/h/', 0);
    await store.compact(150);
    await assert.rejects(c.waitFor(200), (err: Error & { code?: string }) => err.code === 'Compacted');
    assert.ok(c.events.length < 150, `got ${c.events.length} events before the error`);
    await store.close();
  });

  it('answers a read that saw an uncommitted write only after that write committed', async () => {
    const store = await reopen(freshPath());
    const order: string[] = [];
    const write = store.create('/u/a', 'a').then(() => order.push('write'));
    const read = store.get('/u/a').then((kv) => order.push(`read ${kv?.value}`));
    await Promise.all([write, read]);
    assert.deepEqual(order, ['write', 'read a']);
    await store.close();
  });

  it('serves the same events to a watcher before and after a reopen', async () => {
    const path = freshPath();
    let store = await reopen(path);
    const a = await store.create('/r/a', '1');
    await store.update('/r/a', '2', a.modRevision);
    await store.delete('/r/a');
    const before = await collect(store, '/r/', 0);
    await before.waitFor(3);
    await store.close();
    store = await reopen(path);
    const afterReopen = await collect(store, '/r/', 0);
    await afterReopen.waitFor(3);
    assert.deepEqual(afterReopen.events.map(eventSummary), before.events.map(eventSummary));
    afterReopen.watcher.close();
    await store.close();
  });

  it('reports the Compacted revision to a list below it, after reopen too', async () => {
    const path = freshPath();
    let store = await reopen(path);
    for (let i = 0; i < 4; i++) await store.create(`/c/${i}`, 'v');
    await store.compact(3);
    await store.close();
    store = await reopen(path);
    const err = await rejectsWith(store.list('/c/', { revision: 2 }), 'Compacted');
    assert.equal(err.currentRevision, 3);
    await store.close();
  });
});

function countLogRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) FROM log').pluck().get() as number);
  } finally {
    db.close();
  }
}
