import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiClient, isNotFound } from '../../src/client/api-client.js';
import { CONFIGMAPS, NAMESPACES, NODES } from '../../src/client/resources.js';
import { GarbageCollector, FOREGROUND_FINALIZER } from '../../src/controllers/garbage-collector.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

let cluster: TestCluster;
let client: ApiClient;
let gc: GarbageCollector;
const ns = 'gc-test';

before(async () => {
  cluster = await startTestCluster({ controllers: false });
  client = ApiClient.fromKubeconfig(cluster.plane.kubeconfigPath);
  await client.create(NAMESPACES, { metadata: { name: ns } });
  gc = new GarbageCollector({ client });
  await gc.start();
});
after(async () => {
  await gc?.stop();
  client?.close();
  await cluster?.close();
});

async function owned(name: string, owner: ConfigMap, extra: Partial<NonNullable<ConfigMap['metadata']>> = {}, block = false): Promise<ConfigMap> {
  return client.create(CONFIGMAPS, {
    metadata: {
      name, namespace: ns, ...extra,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid!, ...(block ? { blockOwnerDeletion: true } : {}) }],
    },
  });
}

const gone = (name: string) => async () => {
  try {
    await client.get(CONFIGMAPS, name, { namespace: ns });
    return false;
  } catch (err) {
    return isNotFound(err);
  }
};

test('background: dependents of a deleted owner are deleted', async () => {
  const owner = await client.create(CONFIGMAPS, { metadata: { name: 'bg-owner', namespace: ns } });
  await owned('bg-dep-1', owner);
  await owned('bg-dep-2', owner);
  await client.delete(CONFIGMAPS, 'bg-owner', { namespace: ns, propagationPolicy: 'Background' });
  await eventually(gone('bg-dep-1'), 'bg-dep-1 to be collected');
  await eventually(gone('bg-dep-2'), 'bg-dep-2 to be collected');
});

test('an object whose owner never existed is collected; one with a live owner left alone', async () => {
  const ghost = { metadata: { name: 'never-was', uid: '00000000-0000-0000-0000-000000000000' } } as ConfigMap;
  await owned('orphaned-at-birth', ghost);
  const owner = await client.create(CONFIGMAPS, { metadata: { name: 'alive', namespace: ns } });
  await owned('kept', owner);
  await eventually(gone('orphaned-at-birth'), 'the dangling dependent to be collected');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await client.get(CONFIGMAPS, 'kept', { namespace: ns })).metadata?.name, 'kept');
});

test('foreground: the owner waits for blocking dependents, then goes', async () => {
  const owner = await client.create(CONFIGMAPS, { metadata: { name: 'fg-owner', namespace: ns } });
  await owned('fg-dep', owner, { finalizers: ['test.stratus.dev/hold'] }, true);
  await client.delete(CONFIGMAPS, 'fg-owner', { namespace: ns, propagationPolicy: 'Foreground' });

  // The dependent is being deleted but held by its own finalizer, so the owner must still be there.
  await eventually(async () => Boolean((await client.get(CONFIGMAPS, 'fg-dep', { namespace: ns })).metadata?.deletionTimestamp), 'the dependent to be deleted');
  const waiting = await client.get(CONFIGMAPS, 'fg-owner', { namespace: ns });
  assert.ok(waiting.metadata?.deletionTimestamp);
  assert.ok(waiting.metadata?.finalizers?.includes(FOREGROUND_FINALIZER));

  await client.patch(CONFIGMAPS, 'fg-dep', { metadata: { finalizers: null } }, 'merge', { namespace: ns });
  await eventually(gone('fg-dep'), 'the dependent to go');
  await eventually(gone('fg-owner'), 'the owner to go after its dependent');
});

test('orphan: dependents lose the ownerReference and stay', async () => {
  const owner = await client.create(CONFIGMAPS, { metadata: { name: 'or-owner', namespace: ns } });
  await owned('or-dep', owner);
  await client.delete(CONFIGMAPS, 'or-owner', { namespace: ns, propagationPolicy: 'Orphan' });
  await eventually(gone('or-owner'), 'the owner to go');
  const dep = await client.get(CONFIGMAPS, 'or-dep', { namespace: ns });
  assert.equal(dep.metadata?.ownerReferences?.length ?? 0, 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await client.get(CONFIGMAPS, 'or-dep', { namespace: ns })).metadata?.name, 'or-dep');
});

test('a namespaced dependent of a cluster-scoped owner goes when the owner goes', async () => {
  const node = await client.create(NODES, { metadata: { name: 'gc-owner-node' } });
  await client.create(CONFIGMAPS, {
    metadata: { name: 'node-scoped-dep', namespace: ns, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'gc-owner-node', uid: node.metadata!.uid! }] },
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await client.get(CONFIGMAPS, 'node-scoped-dep', { namespace: ns })).metadata?.name, 'node-scoped-dep', 'kept while the owner lives');
  await client.delete(NODES, 'gc-owner-node');
  await eventually(gone('node-scoped-dep'), 'the dependent of the deleted node to be collected');
});
