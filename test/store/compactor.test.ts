import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { startCompactor } from '../../src/store/compactor.js';

const root = mkdtempSync(join(tmpdir(), 'stratus-compactor-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('keeps at least keepRevisions and everything since the previous run', async () => {
  const store = await openSqliteStore(join(root, 'a.db'));
  let kv = await store.create('/c/a', '0');
  for (let i = 1; i < 100; i++) kv = await store.update('/c/a', `${i}`, kv.modRevision); // revision 100
  const compactor = startCompactor(store, { keepRevisions: 10, intervalMs: 3_600_000 });
  try {
    assert.equal(await compactor.runOnce(), 90); // min(100 - 10, 100 at start)
    for (let i = 0; i < 50; i++) kv = await store.update('/c/a', `x${i}`, kv.modRevision); // revision 150
    assert.equal(await compactor.runOnce(), 100); // min(150 - 10, 100 at the previous run)
    assert.equal(await compactor.runOnce(), 140); // min(140, 150)
    assert.equal(await compactor.runOnce(), 0); // nothing new is due
    assert.equal(await store.compactedRevision(), 140);
    assert.equal((await store.list('/c/', { revision: 140 })).items[0]!.value, 'x39');
  } finally {
    compactor.stop();
    await store.close();
  }
});

it('compacts on its own every interval and reports failures without stopping', async () => {
  const store = await openSqliteStore(join(root, 'b.db'));
  for (let i = 0; i < 30; i++) await store.create(`/c/${i}`, 'v');
  const errors: Error[] = [];
  const compactor = startCompactor(store, { keepRevisions: 5, intervalMs: 10, onError: (err) => errors.push(err) });
  try {
    const deadline = Date.now() + 2000;
    while ((await store.compactedRevision()) !== 25 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await store.compactedRevision(), 25);
    await store.close();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.ok(errors.length > 0 && errors.every((err) => /closed/.test(err.message)), 'a run on a closed store reports the error');
  } finally {
    compactor.stop();
    await store.close();
  }
});
