import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, pod, type TestServer, type WatchEventLine } from './harness.js';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const NS = '/api/v1/namespaces';

async function namespace(name: string): Promise<string> {
  await t.client.post(NS, { metadata: { name } });
  return `${NS}/${name}/pods`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('watch from an exact resourceVersion sees ADDED, MODIFIED, DELETED in order and nothing earlier', async () => {
  const pods = await namespace('w1');
  await t.client.post(pods, pod('before'));
  const rv = (await t.client.get(pods)).json.metadata.resourceVersion;
  const events = t.client.watch(`${pods}?watch=1&resourceVersion=${rv}`, (e) => e.length >= 3);
  await sleep(50);
  await t.client.post(pods, pod('a'));
  await t.client.patch(`${pods}/a`, { metadata: { labels: { x: '1' } } }, 'application/merge-patch+json');
  await t.client.delete(`${pods}/a`);
  const got = await events;
  assert.deepEqual(got.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
  const rvs = got.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0]! > Number(rv) && rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!);
});

test('watch without resourceVersion starts with synthetic ADDED for current objects; name watch like kubectl get NAME -w', async () => {
  const pods = await namespace('w2');
  await t.client.post(pods, pod('x1'));
  await t.client.post(pods, pod('x2'));
  const initial = await t.client.watch(`${pods}?watch=true`, (e) => e.length >= 2);
  assert.deepEqual(initial.map((e) => e.type), ['ADDED', 'ADDED']);

  const single = t.client.watch(`${pods}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dx1`, (e) => e.length >= 2);
  await sleep(50);
  await t.client.patch(`${pods}/x2`, { metadata: { labels: { y: '1' } } }, 'application/merge-patch+json');
  await t.client.patch(`${pods}/x1`, { metadata: { labels: { y: '1' } } }, 'application/merge-patch+json');
  const events = await single;
  assert.deepEqual(events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:x1', 'MODIFIED:x1']);
});

test('label selector applied to old and new: leaving the selector is DELETED, entering it ADDED', async () => {
  const pods = await namespace('w3');
  await t.client.post(pods, pod('s1', { metadata: { name: 's1', labels: { tier: 'front' } } }));
  const rv = (await t.client.get(pods)).json.metadata.resourceVersion;
  const events = t.client.watch(`${pods}?watch=1&resourceVersion=${rv}&labelSelector=tier%3Dfront`, (e) => e.length >= 2);
  await sleep(50);
  await t.client.patch(`${pods}/s1`, { metadata: { labels: { tier: 'back' } } }, 'application/merge-patch+json');
  await t.client.patch(`${pods}/s1`, { metadata: { labels: { tier: 'front' } } }, 'application/merge-patch+json');
  assert.deepEqual((await events).map((e) => e.type), ['DELETED', 'ADDED']);
});

test('timeoutSeconds ends the stream cleanly, with a bookmark when allowed', async () => {
  const pods = await namespace('w4');
  const started = Date.now();
  const events = await t.client.watch(`${pods}?watch=1&resourceVersion=1&timeoutSeconds=1&allowWatchBookmarks=true`, () => false, { timeoutMs: 5000 });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 3000, `ended after ${elapsed} ms`);
  const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
  assert.ok(bookmarks.length >= 1);
  assert.equal(bookmarks[0]!.object.kind, 'Pod');
  assert.match(bookmarks[0]!.object.metadata.resourceVersion, /^\d+$/);
});

test('a compacted resourceVersion gives an ERROR event with 410 Expired; lists too', async () => {
  const pods = await namespace('w5');
  await t.client.post(pods, pod('c1'));
  await t.client.post(pods, pod('c2'));
  const rev = await t.store.revision();
  await t.store.compact(rev - 1);
  const events = await t.client.watch(`${pods}?watch=1&resourceVersion=2`, (e) => e.length >= 1);
  assert.equal(events[0]!.type, 'ERROR');
  assert.equal(events[0]!.object.code, 410);
  assert.equal(events[0]!.object.reason, 'Expired');
  const list = await t.client.get(`${pods}?resourceVersion=2&resourceVersionMatch=Exact`);
  assert.equal(list.status, 410);
});

test('watch events are Tables when asked (kubectl get -w), headers only in the first event', async () => {
  const pods = await namespace('w6');
  const rv = (await t.client.get(pods)).json.metadata.resourceVersion;
  const events = t.client.watch(`${pods}?watch=1&resourceVersion=${rv}`, (e: WatchEventLine[]) => e.length >= 2, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  await sleep(50);
  await t.client.post(pods, pod('t1'));
  await t.client.post(pods, pod('t2'));
  const got = await events;
  assert.equal(got[0]!.object.kind, 'Table');
  assert.ok(got[0]!.object.columnDefinitions.length > 0);
  assert.equal(got[1]!.object.columnDefinitions.length, 0);
  assert.equal(got[1]!.object.rows[0].object.metadata.name, 't2');
});
