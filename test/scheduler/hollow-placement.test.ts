import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import { EVENTS, PODS } from '../../src/client/resources.js';
import { Scheduler, PRIORITY_CLASSES } from '../../src/scheduler/scheduler.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';
import { pod } from './fixtures.js';

// A small hand-made cluster of hollow nodes behind a real control plane; the real scheduler places pods.
let cluster: TestCluster;
let agent: HollowAgent;
let scheduler: Scheduler;

before(async () => {
  cluster = await startTestCluster();
  const client = cluster.plane.client;
  agent = new HollowAgent({
    client,
    nodes: [
      { name: 'small', cpu: '1', labels: { zone: 'z1', disk: 'hdd' } },
      { name: 'big', cpu: '4', labels: { zone: 'z1', disk: 'ssd' } },
      { name: 'gpu', cpu: '4', labels: { zone: 'z2' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
      { name: 'edge', cpu: '2', labels: { zone: 'z3' } },
    ],
  });
  await agent.start();
  scheduler = new Scheduler({ client, initialBackoffMs: 100, maxBackoffMs: 500 });
  await scheduler.start();
});

after(async () => {
  await scheduler?.stop();
  await agent?.stop();
  await cluster?.close();
});

async function create(p: Pod): Promise<void> {
  await cluster.plane.client.create(PODS, p, { namespace: p.metadata?.namespace ?? 'default' });
}

async function nodeOf(name: string, ns = 'default'): Promise<string> {
  return eventually(async () => (await cluster.plane.client.get(PODS, name, { namespace: ns })).spec?.nodeName, `${name} to be bound`);
}

async function failedScheduling(name: string, ns = 'default'): Promise<string> {
  return eventually(async () => {
    const events = await cluster.plane.client.list(EVENTS, { namespace: ns, fieldSelector: `involvedObject.name=${name},reason=FailedScheduling` });
    return (events.items as Event[])[0]?.message;
  }, `FailedScheduling for ${name}`);
}

test('resources: a pod goes where it fits, and an oversized pod is explained', async () => {
  await create(pod('r1', { cpu: '3' }));
  assert.equal(await nodeOf('r1'), 'big'); // small lacks room; gpu is tainted; big beats edge on free cpu
  await create(pod('r2', { cpu: '8' }));
  // Priority 0: no preemption is tried, so the message has no preemption part.
  assert.equal(await failedScheduling('r2'), '0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 3 Insufficient cpu.');
  const status = await eventually(async () => {
    const p = await cluster.plane.client.get(PODS, 'r2', { namespace: 'default' });
    return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  }, 'PodScheduled=False');
  assert.equal(status.reason, 'Unschedulable');
});

test('node affinity and tolerations', async () => {
  await create(pod('ssd', { spec: { nodeSelector: { disk: 'ssd' } } }));
  assert.equal(await nodeOf('ssd'), 'big');
  await create(pod('tolerant', { spec: {
    tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } },
  } }));
  assert.equal(await nodeOf('tolerant'), 'gpu');
});

test('anti-affinity keeps replicas apart and explains the one that cannot fit', async () => {
  const anti = (name: string) => pod(name, { ns: 'default', labels: { app: 'ha' }, spec: { affinity: { podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'ha' } }, topologyKey: 'zone' }],
  } } } });
  for (const name of ['ha1', 'ha2', 'ha3']) await create(anti(name));
  const zones = new Set<string>();
  for (const name of ['ha1', 'ha2']) zones.add(await nodeOf(name));
  // gpu is tainted, so only two zones (z1, z3) take untolerating pods: the third replica cannot fit.
  assert.equal(zones.size, 2);
  assert.equal(await failedScheduling('ha3'),
    "0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 3 node(s) didn't match pod anti-affinity rules.");
});

test('topology spread keeps zones within maxSkew', async () => {
  const spread = (name: string) => pod(name, { labels: { app: 'sp' }, spec: {
    tolerations: [{ key: 'gpu', operator: 'Exists' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'sp' } } }],
  } });
  const names = ['sp1', 'sp2', 'sp3', 'sp4', 'sp5', 'sp6'];
  for (const name of names) await create(spread(name));
  const perZone = new Map<string, number>();
  const zoneOf: Record<string, string> = { small: 'z1', big: 'z1', gpu: 'z2', edge: 'z3' };
  for (const name of names) {
    const zone = zoneOf[await nodeOf(name)]!;
    perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
  }
  assert.deepEqual([...perZone.values()].sort(), [2, 2, 2]);
});

test('a high-priority pod preempts the cheapest victim', async () => {
  const client = cluster.plane.client;
  await client.create(PRIORITY_CLASSES, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
  await create(pod('filler', { ns: 'default', cpu: '2', spec: { nodeSelector: { zone: 'z3' } } }));
  assert.equal(await nodeOf('filler'), 'edge');
  await create(pod('vip', { cpu: '2', spec: { priorityClassName: 'high', nodeSelector: { zone: 'z3' } } }));
  assert.equal(await nodeOf('vip'), 'edge');
  await eventually(async () => {
    try { await client.get(PODS, 'filler', { namespace: 'default' }); return false; } catch { return true; }
  }, 'the victim to be deleted');
});
