import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import { DEPLOYMENTS, NODES, PODS } from '../../src/client/resources.js';
import { TAINT_UNREACHABLE } from '../../src/controllers/node-lifecycle.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

// Node failover with hollow nodes (the spread honours taints, so the tainted node stops counting as a domain): one node's agent dies; its pods are evicted and replaced elsewhere;
// when it returns, nothing is duplicated.
let cluster: TestCluster;
const agents = new Map<string, HollowAgent>();

async function startAgent(name: string): Promise<void> {
  const agent = new HollowAgent({ client: cluster.plane.client, name, leaseIntervalMs: 500 });
  await agent.start();
  agents.set(name, agent);
}

before(async () => {
  cluster = await startTestCluster({ controllers: true, nodeMonitorGracePeriodSeconds: 2, defaultTolerationSeconds: 1 });
  for (const name of ['n1', 'n2', 'n3']) await startAgent(name);
});

after(async () => {
  for (const agent of agents.values()) await agent.stop();
  await cluster?.close();
});

const activePods = async (): Promise<Pod[]> =>
  ((await cluster.plane.client.list(PODS, { namespace: 'default', labelSelector: 'app=failover' })).items as Pod[])
    .filter((p) => !p.metadata?.deletionTimestamp);

test('pods on a dead node are replaced on the others, and are not duplicated when it returns', async () => {
  const client = cluster.plane.client;
  await client.create(DEPLOYMENTS, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'failover', namespace: 'default' },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'failover' } },
      template: { metadata: { labels: { app: 'failover' } }, spec: {
        containers: [{ name: 'c', image: 'registry.local/app:1' }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: { app: 'failover' } } }],
      } },
    },
  });
  await eventually(async () => (await activePods()).filter((p) => p.status?.phase === 'Running').length === 3, 'three running pods');
  const onN1 = (await activePods()).filter((p) => p.spec?.nodeName === 'n1');
  assert.equal(onN1.length, 1, 'the spread put one pod on each node');
  const pod = (await client.get(PODS, onN1[0]!.metadata!.name!, { namespace: 'default' }));
  const toleration = pod.spec?.tolerations?.find((t) => t.key === TAINT_UNREACHABLE);
  assert.equal(toleration?.tolerationSeconds, 1, 'admission added the configured default toleration');

  const killedAt = Date.now();
  await agents.get('n1')!.stop();
  const tainted = await eventually(async () => {
    const node = await client.get(NODES, 'n1') as Node;
    return node.spec?.taints?.some((t) => t.key === TAINT_UNREACHABLE && t.effect === 'NoExecute') ? node : undefined;
  }, 'n1 to be tainted unreachable');
  assert.equal(tainted.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
  await eventually(async () => {
    const pods = await activePods();
    return pods.length === 3 && pods.every((p) => p.spec?.nodeName !== 'n1' && p.status?.phase === 'Running');
  }, 'replacements running on n2 and n3', 15_000);
  const failoverSeconds = (Date.now() - killedAt) / 1000;
  assert.ok(failoverSeconds < 10, `failover took ${failoverSeconds} s`);
  const evicted = await client.get(PODS, onN1[0]!.metadata!.name!, { namespace: 'default' });
  assert.ok(evicted.metadata?.deletionTimestamp, 'the old pod is terminating, waiting for its node');

  await startAgent('n1');
  await eventually(async () => {
    const node = await client.get(NODES, 'n1') as Node;
    return !node.spec?.taints?.some((t) => t.key === TAINT_UNREACHABLE) && node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }, 'n1 to recover');
  await eventually(async () => {
    try { await client.get(PODS, onN1[0]!.metadata!.name!, { namespace: 'default' }); return false; } catch { return true; }
  }, 'the returning node to finish the evicted pod');
  assert.equal((await activePods()).length, 3, 'nothing duplicated');
});
