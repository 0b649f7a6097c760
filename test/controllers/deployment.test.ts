import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import { DEPLOYMENTS, EVENTS, PODS, REPLICASETS } from '../../src/client/resources.js';
import { AUTO_ROLLBACK, REVISION } from '../../src/controllers/deployment/deployment-controller.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

// Deployment and ReplicaSet controllers with the scheduler, against a real control plane and hollow nodes.
let cluster: TestCluster;
let agent: HollowAgent;

before(async () => {
  cluster = await startTestCluster({ controllers: true });
  agent = new HollowAgent({ client: cluster.plane.client, name: 'node', count: 3 });
  await agent.start();
});

after(async () => {
  await agent?.stop();
  await cluster?.close();
});

function deployment(name: string, image: string, extra: Partial<Deployment['spec']> = {}, annotations: Record<string, string> = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
      ...extra,
    },
  };
}

async function get(name: string): Promise<Deployment> {
  return cluster.plane.client.get(DEPLOYMENTS, name, { namespace: 'default' });
}

async function rolledOut(name: string, timeoutMs = 20_000): Promise<Deployment> {
  return eventually(async () => {
    const d = await get(name);
    const s = d.status;
    const done = (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1)
      && s?.updatedReplicas === d.spec?.replicas && s?.replicas === d.spec?.replicas && s?.availableReplicas === d.spec?.replicas;
    return done ? d : undefined;
  }, `${name} to roll out`, timeoutMs);
}

async function replicaSets(name: string): Promise<ReplicaSet[]> {
  const list = await cluster.plane.client.list(REPLICASETS, { namespace: 'default', labelSelector: `app=${name}` });
  return list.items as ReplicaSet[];
}

test('a deployment creates a ReplicaSet and ready pods, and reports it is available', async () => {
  await cluster.plane.client.create(DEPLOYMENTS, deployment('web', 'registry.local/httpd:1'));
  const d = await rolledOut('web');
  assert.equal(d.metadata?.annotations?.[REVISION], '1');
  const available = d.status?.conditions?.find((c) => c.type === 'Available');
  assert.equal(available?.status, 'True');
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
  const [rs] = await replicaSets('web');
  assert.ok(rs?.metadata?.labels?.['pod-template-hash']);
  const pods = await cluster.plane.client.list(PODS, { namespace: 'default', labelSelector: 'app=web' });
  assert.equal(pods.items.length, 4);
  assert.ok((pods.items as Pod[]).every((p) => p.spec?.nodeName && p.status?.phase === 'Running'));
});

test('a new image rolls out through a second ReplicaSet and rollback returns to the first', async () => {
  const client = cluster.plane.client;
  await client.patch(DEPLOYMENTS, 'web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.local/httpd:2' }] } } } }, 'strategic', { namespace: 'default' });
  const d = await rolledOut('web');
  assert.equal(d.metadata?.annotations?.[REVISION], '2');
  const sets = await replicaSets('web');
  assert.equal(sets.length, 2);
  const byImage = (image: string) => sets.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === image)!;
  assert.equal(byImage('registry.local/httpd:2').spec?.replicas, 4);
  assert.equal(byImage('registry.local/httpd:1').spec?.replicas, 0);
  const scaling = await client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=web,reason=ScalingReplicaSet' });
  assert.ok(scaling.items.length >= 2);

  // What `kubectl rollout undo` does: put revision 1's template back. That ReplicaSet becomes revision 3.
  const v1 = byImage('registry.local/httpd:1');
  const template = structuredClone(v1.spec!.template!);
  delete template.metadata!.labels!['pod-template-hash'];
  await client.patch(DEPLOYMENTS, 'web', [{ op: 'replace', path: '/spec/template', value: template }], 'json', { namespace: 'default' });
  const back = await rolledOut('web');
  assert.equal(back.metadata?.annotations?.[REVISION], '3');
  const after = await replicaSets('web');
  assert.equal(after.length, 2, 'rollback reuses the old ReplicaSet');
  assert.equal(after.find((rs) => rs.metadata?.uid === v1.metadata?.uid)?.spec?.replicas, 4);
});

test('scaling follows spec.replicas', async () => {
  await cluster.plane.client.patch(DEPLOYMENTS, 'web', { spec: { replicas: 2 } }, 'merge', { namespace: 'default', subresource: 'scale' });
  await rolledOut('web');
  const pods = await cluster.plane.client.list(PODS, { namespace: 'default', labelSelector: 'app=web' });
  assert.equal((pods.items as Pod[]).filter((p) => !p.metadata?.deletionTimestamp).length, 2);
});

test('a rollout to a broken image stalls, misses its deadline, and rolls back by itself when asked to', async () => {
  const client = cluster.plane.client;
  await client.create(DEPLOYMENTS, deployment('api', 'registry.local/api:1', { replicas: 2, progressDeadlineSeconds: 2 }, { [AUTO_ROLLBACK]: 'true' }));
  await rolledOut('api');
  await client.patch(DEPLOYMENTS, 'api', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.local/api:broken' }] } } } }, 'strategic', { namespace: 'default' });
  const rolledBack = await eventually(async () => {
    const events = await client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=api,reason=RolledBack' });
    return events.items[0];
  }, 'an automatic rollback', 20_000);
  assert.match(String((rolledBack as { message?: string }).message), /Rolled back to revision 1/);
  const d = await rolledOut('api');
  assert.equal(d.spec?.template?.spec?.containers[0]?.image, 'registry.local/api:1');
  // While stalled, availability never dropped below replicas - maxUnavailable (2 - 0 = 2 with 25% of 2 rounding down).
  assert.ok((d.status?.availableReplicas ?? 0) >= 2);
});

test('recreate scales the old ReplicaSet to zero before starting the new one', async () => {
  const client = cluster.plane.client;
  await client.create(DEPLOYMENTS, deployment('batch', 'registry.local/b:1', { replicas: 2, strategy: { type: 'Recreate' } }));
  await rolledOut('batch');
  await client.patch(DEPLOYMENTS, 'batch', { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.local/b:2' }] } } } }, 'strategic', { namespace: 'default' });
  const d = await rolledOut('batch');
  assert.equal(d.metadata?.annotations?.[REVISION], '2');
});
