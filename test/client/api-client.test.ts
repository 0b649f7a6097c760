import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { ApiClient, ConnectionError, isGone, isNotFound, type WatchEvent } from '../../src/client/api-client.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES } from '../../src/client/resources.js';
import { startTestCluster, type TestCluster } from './in-process-cluster.js';

let cluster: TestCluster;
let client: ApiClient;
const ns = 'client-test';

before(async () => {
  cluster = await startTestCluster();
  client = ApiClient.fromKubeconfig(cluster.plane.kubeconfigPath);
  await client.create(NAMESPACES, { metadata: { name: ns } });
});
after(async () => {
  client?.close();
  await cluster?.close();
});

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): ConfigMap =>
  ({ metadata: { name, namespace: ns, labels }, data });

test('create, get, list with a label selector', async () => {
  const created = await client.create(CONFIGMAPS, cm('one', { a: '1' }, { app: 'x' }));
  assert.equal(created.kind, 'ConfigMap');
  assert.ok(created.metadata?.uid && created.metadata.resourceVersion && created.metadata.creationTimestamp);
  await client.create(CONFIGMAPS, cm('two', {}, { app: 'y' }));
  const got = await client.get(CONFIGMAPS, 'one', { namespace: ns });
  assert.deepEqual(got.data, { a: '1' });
  const list = await client.list(CONFIGMAPS, { namespace: ns, labelSelector: 'app=x' });
  assert.equal(list.kind, 'ConfigMapList');
  assert.ok(list.metadata.resourceVersion);
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ['one']);
});

test('errors arrive as ApiError with the Status reason', async () => {
  await assert.rejects(client.get(CONFIGMAPS, 'missing', { namespace: ns }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.message, 'configmaps "missing" not found');
    return true;
  });
  await assert.rejects(client.create(CONFIGMAPS, cm('one')), (err: unknown) => err instanceof ApiError && err.reason === 'AlreadyExists');
  const current = await client.get(CONFIGMAPS, 'one', { namespace: ns });
  await client.update(CONFIGMAPS, { ...current, data: { a: '2' } });
  await assert.rejects(client.update(CONFIGMAPS, { ...current, data: { a: '3' } }), (err: unknown) => err instanceof ApiError && err.code === 409 && err.reason === 'Conflict');
});

test('an invalid object is a 422 whose causes name the field', async () => {
  await assert.rejects(
    client.create(DEPLOYMENTS, { metadata: { name: 'bad', namespace: ns }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } } } } as never),
    (err: unknown) => err instanceof ApiError && err.code === 422 && err.reason === 'Invalid'
      && (err.details?.causes ?? []).some((c) => c.field === 'spec.template.spec.containers[0].image'),
  );
});

test('patch: merge, json and strategic', async () => {
  await client.create(CONFIGMAPS, cm('patched', { a: '1' }));
  let obj = await client.patch(CONFIGMAPS, 'patched', { data: { b: '2' } }, 'merge', { namespace: ns });
  assert.deepEqual(obj.data, { a: '1', b: '2' });
  obj = await client.patch(CONFIGMAPS, 'patched', [{ op: 'remove', path: '/data/a' }], 'json', { namespace: ns });
  assert.deepEqual(obj.data, { b: '2' });
  obj = await client.patch(CONFIGMAPS, 'patched', { metadata: { labels: { s: 't' } } }, 'strategic', { namespace: ns });
  assert.equal(obj.metadata?.labels?.s, 't');
  obj = await client.apply(CONFIGMAPS, { metadata: { name: 'patched', namespace: ns }, data: { c: '3' } }, { fieldManager: 'test', force: true });
  assert.equal(obj.data?.c, '3');
});

test('delete answers, then the object is gone', async () => {
  await client.create(CONFIGMAPS, cm('doomed'));
  await client.delete(CONFIGMAPS, 'doomed', { namespace: ns });
  await assert.rejects(client.get(CONFIGMAPS, 'doomed', { namespace: ns }), isNotFound);
});

test('watch streams changes and resumes from a resourceVersion', async () => {
  const start = (await client.list(CONFIGMAPS, { namespace: ns })).metadata.resourceVersion!;
  const seen: Array<WatchEvent<ConfigMap>> = [];
  const handle = client.watch(CONFIGMAPS, { namespace: ns, resourceVersion: start }, (e) => seen.push(e));
  await client.create(CONFIGMAPS, cm('w1'));
  await client.patch(CONFIGMAPS, 'w1', { data: { x: 'y' } }, 'merge', { namespace: ns });
  await client.delete(CONFIGMAPS, 'w1', { namespace: ns });
  await waitFor(() => seen.length >= 3);
  handle.abort();
  await handle.done;
  assert.deepEqual(seen.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);

  // Changes made while nobody watches are delivered when watching again from the last seen version.
  const resumeFrom = seen[1]!.object.metadata!.resourceVersion!;
  await client.create(CONFIGMAPS, cm('w2'));
  const resumed: string[] = [];
  const again = client.watch(CONFIGMAPS, { namespace: ns, resourceVersion: resumeFrom }, (e) => resumed.push(`${e.type} ${e.object.metadata?.name}`));
  await waitFor(() => resumed.length >= 2);
  again.abort();
  await again.done;
  assert.deepEqual(resumed, ['DELETED w1', 'ADDED w2']);
});

test('a watch with timeoutSeconds ends cleanly', async () => {
  const started = Date.now();
  const handle = client.watch(CONFIGMAPS, { namespace: ns, timeoutSeconds: 1, resourceVersion: (await client.list(CONFIGMAPS, { namespace: ns })).metadata.resourceVersion }, () => undefined);
  await handle.done;
  assert.ok(Date.now() - started < 5000);
});

test('a watch from a compacted resourceVersion fails with 410 Expired', async () => {
  const old = (await client.list(CONFIGMAPS, { namespace: ns })).metadata.resourceVersion!;
  await client.create(CONFIGMAPS, cm('compact-me'));
  await cluster.plane.store.compact(await cluster.plane.store.revision());
  const handle = client.watch(CONFIGMAPS, { namespace: ns, resourceVersion: old }, () => undefined);
  await assert.rejects(handle.done, isGone);
});

test('a bad token is Unauthorized; an unreachable server is a ConnectionError', async () => {
  const stranger = new ApiClient({ ...client.config, token: 'wrong' });
  await assert.rejects(stranger.list(CONFIGMAPS, { namespace: ns }), (err: unknown) => err instanceof ApiError && err.code === 401);
  stranger.close();
  const nowhere = new ApiClient({ server: 'https://127.0.0.1:1', caData: client.config.caData });
  await assert.rejects(nowhere.list(CONFIGMAPS), ConnectionError);
  nowhere.close();
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
