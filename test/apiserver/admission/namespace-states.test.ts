import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NamespaceStates } from '../../../src/apiserver/admission/namespace-states.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite-store.js';

let dir: string;
let store: SqliteStore;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stratus-ns-states-'));
  store = await openSqliteStore(join(dir, 'store.db'));
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ns = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...extra } });

test('follows namespaces written after start, as soon as the write is acknowledged', async () => {
  const before = await store.create('/core/namespaces/early', ns('early'));
  const states = new NamespaceStates(store);
  await states.start();
  try {
    assert.equal(await states.lookup('early'), 'Active');
    assert.equal(await states.lookup('missing'), undefined);

    await store.create('/core/namespaces/late', ns('late'));
    assert.equal(await states.lookup('late'), 'Active');

    await store.update('/core/namespaces/early', ns('early', { deletionTimestamp: '2026-11-25T00:00:00Z' }), before.modRevision);
    assert.equal(await states.lookup('early'), 'Terminating');

    await store.delete('/core/namespaces/early');
    assert.equal(await states.lookup('early'), undefined);
  } finally {
    states.stop();
  }
});

test('after stop, lookups read the store', async () => {
  const states = new NamespaceStates(store);
  await states.start();
  states.stop();
  await store.create('/core/namespaces/after-stop', ns('after-stop', { deletionTimestamp: '2026-11-25T00:00:00Z' }));
  assert.equal(await states.lookup('after-stop'), 'Terminating');
  assert.equal(await states.lookup('never'), undefined);
});

test('a known namespace is answered without reading the store', async () => {
  await store.create('/core/namespaces/known', ns('known'));
  let reads = 0;
  const counting = new Proxy(store, {
    get: (target, prop) => (prop === 'get' ? (key: string) => { reads++; return target.get(key); } : Reflect.get(target, prop, target)),
  });
  const states = new NamespaceStates(counting);
  await states.start();
  try {
    for (let i = 0; i < 10; i++) assert.equal(await states.lookup('known'), 'Active');
    assert.equal(reads, 0);
    assert.equal(await states.lookup('unknown'), undefined);
    assert.equal(reads, 1);
  } finally {
    states.stop();
  }
});
