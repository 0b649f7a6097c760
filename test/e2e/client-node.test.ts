import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { startStratusServer, waitUntil, type StratusServer } from './harness.js';

let server: StratusServer;
let core: CoreV1Api;
let kc: KubeConfig;
const namespace = 'client-node';

before(async () => {
  server = await startStratusServer();
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});
after(async () => { await server?.stop(); });

test('@kubernetes/client-node: create, list, patch, delete', async () => {
  const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'from-js', labels: { via: 'client-node' } }, data: { a: '1' } } });
  assert.ok(created.metadata?.uid);
  const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'via=client-node' });
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ['from-js']);
  assert.ok(list.metadata?.resourceVersion);

  const merged = await core.patchNamespacedConfigMap({ name: 'from-js', namespace, body: { data: { b: '2' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  assert.deepEqual(merged.data, { a: '1', b: '2' });
  const jsonPatched = await core.patchNamespacedConfigMap({ name: 'from-js', namespace, body: [{ op: 'remove', path: '/data/a' }] });
  assert.deepEqual(jsonPatched.data, { b: '2' });

  await core.deleteNamespacedConfigMap({ name: 'from-js', namespace });
  await assert.rejects(core.readNamespacedConfigMap({ name: 'from-js', namespace }), (err: { code?: number }) => err.code === 404);
});

test('@kubernetes/client-node: watch resumed from a resourceVersion sees only later changes', async (t) => {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' } } });
  const rv = (await core.listNamespacedConfigMap({ namespace })).metadata!.resourceVersion!;
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after-1' } } });
  await core.patchNamespacedConfigMap({ name: 'after-1', namespace, body: { data: { x: 'y' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  const seen: string[] = [];
  const watch = new Watch(kc);
  const ended: { err?: unknown } = {};
  const controller = await watch.watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: rv },
    (type: string, obj: V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`),
    (err: unknown) => { ended.err = err; });
  t.after(() => controller.abort());
  await core.deleteNamespacedConfigMap({ name: 'after-1', namespace });
  await waitUntil(() => seen.length >= 3, 'three events', 10_000);
  assert.deepEqual(seen, ['ADDED after-1', 'MODIFIED after-1', 'DELETED after-1']);
});
