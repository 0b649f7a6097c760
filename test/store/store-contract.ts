/**
 * Behaviour every Store backend must show (SQLite now, etcd later): call storeContract() from a backend's test
 * file with a function that opens a fresh, empty store.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError, type Store, type WatchEvent, type Watcher } from '../../src/store/store.js';

export type OpenFreshStore = () => Promise<Store>;

export interface EventCollector {
  readonly events: WatchEvent[];
  readonly errors: Error[];
  readonly watcher: Watcher;
  /** Resolves once at least `count` events arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<WatchEvent[]>;
}

export async function collect(store: Store, prefix: string, afterRevision: number): Promise<EventCollector> {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  let wake: () => void = () => undefined;
  const watcher = await store.watch(prefix, {
    afterRevision,
    onEvent: (event) => {
      events.push(event);
      wake();
    },
    onError: (err) => {
      errors.push(err);
      wake();
    },
  });
  const waitFor = async (count: number, timeoutMs = 3000) => {
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      if (errors.length > 0) throw errors[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} events; got ${events.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return events;
  };
  return { events, errors, watcher, waitFor };
}

export function eventSummary(event: WatchEvent): string {
  return `${event.type} ${event.kv.key}@${event.kv.modRevision}=${event.kv.value}`;
}

export async function rejectsWith(promise: Promise<unknown>, code: StoreError['code']): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected StoreError(${code}), got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected StoreError(${code}), but the call succeeded`);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

export function storeContract(backend: string, openFresh: OpenFreshStore): void {
  describe(`${backend} store contract`, () => {
    let store: Store;
    const open = async () => (store = await openFresh());
    afterEach(async () => {
      await store?.close();
    });

    describe('create and get', () => {
      it('starts at revision 0 and gives each create the next revision', async () => {
        await open();
        assert.equal(await store.revision(), 0);
        const a = await store.create('/r/a', 'A');
        const b = await store.create('/r/b', 'B');
        assert.deepEqual({ ...a }, { key: '/r/a', value: 'A', createRevision: 1, modRevision: 1 });
        assert.deepEqual({ ...b }, { key: '/r/b', value: 'B', createRevision: 2, modRevision: 2 });
        assert.equal(await store.revision(), 2);
        assert.deepEqual({ ...(await store.get('/r/a'))! }, { ...a });
        assert.equal(await store.get('/r/missing'), undefined);
      });

      it('refuses to create an existing key and changes nothing', async () => {
        await open();
        const a = await store.create('/r/a', 'A');
        const err = await rejectsWith(store.create('/r/a', 'other'), 'KeyExists');
        assert.equal(err.currentRevision, a.modRevision);
        assert.equal((await store.get('/r/a'))!.value, 'A');
        assert.equal(await store.revision(), 1);
      });

      it('stores values byte for byte, including unicode and large values', async () => {
        await open();
        const big = JSON.stringify({ text: 'x'.repeat(300_000), emoji: 'ü😀' });
        await store.create('/r/big', big);
        await store.create('/r/empty', '');
        assert.equal((await store.get('/r/big'))!.value, big);
        assert.equal((await store.get('/r/empty'))!.value, '');
      });
    });

    describe('update (compare-and-swap)', () => {
      it('writes when the modRevision matches, keeping createRevision', async () => {
        await open();
        const a = await store.create('/r/a', 'v1');
        await store.create('/r/other', 'x');
        const a2 = await store.update('/r/a', 'v2', a.modRevision);
        assert.deepEqual({ ...a2 }, { key: '/r/a', value: 'v2', createRevision: 1, modRevision: 3 });
        assert.equal((await store.get('/r/a'))!.value, 'v2');
      });

      it('fails with Conflict on a stale revision and NotFound on a missing key, changing nothing', async () => {
        await open();
        const a = await store.create('/r/a', 'v1');
        const a2 = await store.update('/r/a', 'v2', a.modRevision);
        const conflict = await rejectsWith(store.update('/r/a', 'v3', a.modRevision), 'Conflict');
        assert.equal(conflict.currentRevision, a2.modRevision);
        await rejectsWith(store.update('/r/missing', 'v', 1), 'NotFound');
        assert.equal((await store.get('/r/a'))!.value, 'v2');
        assert.equal(await store.revision(), 2);
      });

      it('lets exactly one of two racing updates from the same revision win', async () => {
        await open();
        const a = await store.create('/r/a', 'v1');
        const results = await Promise.allSettled([store.update('/r/a', 'left', a.modRevision), store.update('/r/a', 'right', a.modRevision)]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((rejected.reason as StoreError).code, 'Conflict');
      });
    });

    describe('delete', () => {
      it('returns the deleted value with the revision of the delete', async () => {
        await open();
        const a = await store.create('/r/a', 'A');
        const deleted = await store.delete('/r/a');
        assert.deepEqual({ ...deleted }, { key: '/r/a', value: 'A', createRevision: a.createRevision, modRevision: 2 });
        assert.equal(await store.get('/r/a'), undefined);
        assert.equal(await store.revision(), 2);
      });

      it('checks the expected revision when given, and fails with NotFound when absent', async () => {
        await open();
        const a = await store.create('/r/a', 'A');
        const a2 = await store.update('/r/a', 'B', a.modRevision);
        const conflict = await rejectsWith(store.delete('/r/a', a.modRevision), 'Conflict');
        assert.equal(conflict.currentRevision, a2.modRevision);
        assert.equal((await store.get('/r/a'))!.value, 'B');
        await store.delete('/r/a', a2.modRevision);
        await rejectsWith(store.delete('/r/a'), 'NotFound');
        await rejectsWith(store.update('/r/a', 'C', a2.modRevision), 'NotFound');
      });

      it('lets a deleted key be created again with a new createRevision', async () => {
        await open();
        await store.create('/r/a', 'A');
        await store.delete('/r/a');
        const again = await store.create('/r/a', 'A2');
        assert.equal(again.createRevision, 3);
        assert.equal(again.modRevision, 3);
      });
    });

    describe('list', () => {
      it('returns the keys under a prefix in key order, and nothing else', async () => {
        await open();
        for (const key of ['/p/b', '/p/a/x', '/pa', '/p/c', '/o', '/p/a', '/p/', '/q']) await store.create(key, key.toUpperCase());
        const result = await store.list('/p/');
        assert.deepEqual(result.items.map((kv) => kv.key), ['/p/', '/p/a', '/p/a/x', '/p/b', '/p/c']);
        assert.equal(result.items[1]!.value, '/P/A');
        assert.equal(result.revision, 8);
        assert.equal(result.more, false);
        assert.deepEqual((await store.list('')).items.map((kv) => kv.key), ['/o', '/p/', '/p/a', '/p/a/x', '/p/b', '/p/c', '/pa', '/q']);
        assert.deepEqual((await store.list('/zzz')).items, []);
      });

      it('orders by code point (byte order), as etcd does', async () => {
        await open();
        for (const key of ['/u/\u{1F600}', '/u/\uFFFD', '/u/z', '/u/A']) await store.create(key, 'v');
        assert.deepEqual((await store.list('/u/')).items.map((kv) => kv.key), ['/u/A', '/u/z', '/u/\uFFFD', '/u/\u{1F600}']);
      });

      it('pages with limit and startAfter, saying when more is left', async () => {
        await open();
        for (let i = 0; i < 7; i++) await store.create(`/p/${i}`, `${i}`);
        await store.create('/q/0', 'x');
        const pages: string[][] = [];
        let startAfter: string | undefined;
        let more = true;
        while (more) {
          const page = await store.list('/p/', { limit: 3, startAfter });
          pages.push(page.items.map((kv) => kv.key));
          more = page.more;
          startAfter = page.items.at(-1)?.key;
        }
        assert.deepEqual(pages, [['/p/0', '/p/1', '/p/2'], ['/p/3', '/p/4', '/p/5'], ['/p/6']]);
        const exact = await store.list('/p/', { limit: 7 });
        assert.equal(exact.items.length, 7);
        assert.equal(exact.more, false);
        assert.equal((await store.list('/p/', { limit: 0 })).items.length, 7);
      });

      it('reads at an older revision, so paging stays consistent while writes go on', async () => {
        await open();
        for (let i = 0; i < 6; i++) await store.create(`/p/${i}`, `v${i}`);
        const first = await store.list('/p/', { limit: 2 });
        assert.equal(first.revision, 6);
        // Writes between pages: an update, a delete, a create.
        const p3 = (await store.get('/p/3'))!;
        await store.update('/p/3', 'changed', p3.modRevision);
        await store.delete('/p/4');
        await store.create('/p/45', 'new');
        const second = await store.list('/p/', { limit: 2, startAfter: '/p/1', revision: first.revision });
        const third = await store.list('/p/', { limit: 2, startAfter: '/p/3', revision: first.revision });
        assert.equal(second.revision, first.revision);
        assert.deepEqual([...first.items, ...second.items, ...third.items].map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`), [
          '/p/0=v0@1', '/p/1=v1@2', '/p/2=v2@3', '/p/3=v3@4', '/p/4=v4@5', '/p/5=v5@6',
        ]);
        assert.equal(third.more, false);
        assert.deepEqual((await store.list('/p/')).items.map((kv) => `${kv.key}=${kv.value}`), ['/p/0=v0', '/p/1=v1', '/p/2=v2', '/p/3=changed', '/p/45=new', '/p/5=v5']);
        assert.deepEqual((await store.list('/p/', { revision: 0 })).items, []);
      });

      it('refuses a revision newer than the store', async () => {
        await open();
        await store.create('/p/a', 'a');
        const err = await rejectsWith(store.list('/p/', { revision: 5 }), 'FutureRevision');
        assert.equal(err.currentRevision, 1);
      });
    });

    describe('compaction', () => {
      it('keeps the state at and after the compacted revision readable and refuses older reads', async () => {
        await open();
        const a = await store.create('/c/a', 'a1'); // 1
        await store.create('/c/b', 'b1'); // 2
        const a2 = await store.update('/c/a', 'a2', a.modRevision); // 3
        await store.delete('/c/b'); // 4
        await store.create('/c/c', 'c1'); // 5
        await store.update('/c/a', 'a3', a2.modRevision); // 6
        await store.compact(4);
        assert.equal(await store.compactedRevision(), 4);
        const err = await rejectsWith(store.list('/c/', { revision: 3 }), 'Compacted');
        assert.equal(err.currentRevision, 4);
        assert.deepEqual((await store.list('/c/', { revision: 4 })).items.map((kv) => `${kv.key}=${kv.value}`), ['/c/a=a2']);
        assert.deepEqual((await store.list('/c/', { revision: 5 })).items.map((kv) => `${kv.key}=${kv.value}`), ['/c/a=a2', '/c/c=c1']);
        assert.deepEqual((await store.list('/c/')).items.map((kv) => `${kv.key}=${kv.value}`), ['/c/a=a3', '/c/c=c1']);
        const watchErr = await rejectsWith(store.watch('/c/', { afterRevision: 3, onEvent: () => undefined }), 'Compacted');
        assert.equal(watchErr.currentRevision, 4);
        const replay = await collect(store, '/c/', 4);
        await replay.waitFor(2);
        assert.deepEqual(replay.events.map(eventSummary), ['PUT /c/c@5=c1', 'PUT /c/a@6=a3']);
        assert.equal((replay.events[1] as { prev?: { value: string } }).prev?.value, 'a2');
        replay.watcher.close();
      });

      it('ignores a compaction at or below the compacted revision and refuses a future one', async () => {
        await open();
        for (let i = 0; i < 5; i++) await store.create(`/c/${i}`, 'v');
        await store.compact(3);
        await store.compact(2);
        assert.equal(await store.compactedRevision(), 3);
        await rejectsWith(store.compact(99), 'FutureRevision');
        await store.compact(5);
        assert.equal(await store.compactedRevision(), 5);
        assert.equal((await store.list('/c/')).items.length, 5);
        assert.equal(await store.revision(), 5);
      });
    });

    describe('watch', () => {
      it('replays history after the given revision, then delivers live events, in order', async () => {
        await open();
        const a = await store.create('/w/a', 'a1'); // 1
        await store.create('/x/ignored', 'x'); // 2
        await store.update('/w/a', 'a2', a.modRevision); // 3
        const c = await collect(store, '/w/', 1);
        await c.waitFor(1);
        await store.create('/w/b', 'b1'); // 4
        await store.delete('/w/a'); // 5
        await store.create('/x/ignored2', 'x'); // 6
        await store.create('/w/c', 'c1'); // 7
        await c.waitFor(4);
        await tick();
        assert.deepEqual(c.events.map(eventSummary), ['PUT /w/a@3=a2', 'PUT /w/b@4=b1', 'DELETE /w/a@5=a2', 'PUT /w/c@7=c1']);
        const [update, create, del] = c.events;
        assert.deepEqual(update!.type === 'PUT' && update.prev ? { ...update.prev } : undefined, { key: '/w/a', value: 'a1', createRevision: 1, modRevision: 1 });
        assert.equal(create!.type === 'PUT' ? create.prev : 'not a put', undefined);
        assert.equal(del!.kv.createRevision, 1);
        c.watcher.close();
      });

      it('gives live events the same shape as replayed ones', async () => {
        await open();
        const live = await collect(store, '/w/', 0);
        await tick();
        const a = await store.create('/w/a', 'a1');
        await store.update('/w/a', 'a2', a.modRevision);
        await store.delete('/w/a');
        await live.waitFor(3);
        const replayed = await collect(store, '/w/', 0);
        await replayed.waitFor(3);
        assert.deepEqual(replayed.events.map((e) => JSON.stringify(e)), live.events.map((e) => JSON.stringify(e)));
        live.watcher.close();
        replayed.watcher.close();
      });

      it('never skips or repeats an event when watchers start while writes are in flight', async () => {
        await open();
        const writes = 400;
        const watchers: Array<{ after: number; prefix: string; c: EventCollector }> = [];
        const writer = (async () => {
          const kvs = new Map<string, number>();
          for (let i = 0; i < writes; i++) {
            const key = `/w/${i % 2 ? 'odd' : 'even'}/${i % 17}`;
            const rev = kvs.get(key);
            if (rev === undefined) kvs.set(key, (await store.create(key, `${i}`)).modRevision);
            else if (i % 5 === 0) {
              await store.delete(key, rev);
              kvs.delete(key);
            } else kvs.set(key, (await store.update(key, `${i}`, rev)).modRevision);
          }
        })();
        for (let i = 0; i < 20; i++) {
          const after = await store.revision();
          const prefix = ['/w/', '/w/odd/', '/w/even/'][i % 3]!;
          watchers.push({ after, prefix, c: await collect(store, prefix, Math.max(0, after - (i % 4) * 7)) });
          await new Promise((resolve) => setImmediate(resolve));
        }
        await writer;
        const all = await collect(store, '/w/', 0);
        await all.waitFor(writes);
        for (const { prefix, c } of watchers) {
          const after = (c.events[0]?.kv.modRevision ?? writes + 1) - 1;
          const expected = all.events.filter((e) => e.kv.key.startsWith(prefix) && e.kv.modRevision > after);
          await c.waitFor(expected.length);
          await tick();
          assert.deepEqual(c.events.map(eventSummary), expected.map(eventSummary));
          c.watcher.close();
        }
        const revisions = all.events.map((e) => e.kv.modRevision);
        assert.deepEqual(revisions, Array.from({ length: writes }, (_, i) => i + 1));
        all.watcher.close();
      });

      it('starts a watch at the current revision with only live events', async () => {
        await open();
        await store.create('/w/old', 'o');
        const c = await collect(store, '/w/', await store.revision());
        await tick();
        await store.create('/w/new', 'n');
        await c.waitFor(1);
        await tick();
        assert.deepEqual(c.events.map(eventSummary), ['PUT /w/new@2=n']);
        c.watcher.close();
      });

      it('stops delivering after close, and close is idempotent', async () => {
        await open();
        const c = await collect(store, '/w/', 0);
        await store.create('/w/a', 'a');
        await c.waitFor(1);
        c.watcher.close();
        c.watcher.close();
        await store.create('/w/b', 'b');
        await tick();
        assert.equal(c.events.length, 1);
      });

      it('ends only the watcher whose handler throws, and writers do not notice', async () => {
        await open();
        const errors: Error[] = [];
        await store.watch('/w/', {
          afterRevision: 0,
          onEvent: () => {
            throw new Error('handler bug');
          },
          onError: (err) => errors.push(err),
        });
        const healthy = await collect(store, '/w/', 0);
        await tick();
        await store.create('/w/a', 'a');
        await store.create('/w/b', 'b');
        await healthy.waitFor(2);
        assert.equal(errors.length, 1);
        assert.equal(errors[0]!.message, 'handler bug');
        healthy.watcher.close();
      });

      it('delivers to many watchers, each exactly once per event', async () => {
        await open();
        const collectors = await Promise.all(Array.from({ length: 150 }, (_, i) => collect(store, i % 2 ? '/m/' : '/m/a', 0)));
        await tick();
        for (let i = 0; i < 20; i++) await store.create(`/m/${i % 2 ? 'a' : 'b'}${i}`, 'v');
        for (const [i, c] of collectors.entries()) {
          await c.waitFor(i % 2 ? 20 : 10);
          c.watcher.close();
        }
        await tick();
        assert.ok(collectors.every((c, i) => c.events.length === (i % 2 ? 20 : 10)));
      });
    });

    describe('close', () => {
      it('ends watches with a Closed error and refuses further calls', async () => {
        await open();
        const c = await collect(store, '/w/', 0);
        await tick();
        await store.close();
        assert.equal(c.errors.length, 1);
        assert.equal((c.errors[0] as StoreError).code, 'Closed');
        await rejectsWith(store.get('/w/a'), 'Closed');
        await rejectsWith(store.create('/w/a', 'a'), 'Closed');
        await rejectsWith(store.watch('/w/', { afterRevision: 0, onEvent: () => undefined }), 'Closed');
        await store.close();
      });
    });
  });
}
