// Node failover with real agents: a node's agent process is killed with SIGKILL; the node lifecycle controller
// marks the node Unknown and taints it, evicts its pods after their tolerationSeconds, and the Deployment's
// replacements run on the other nodes within the configured time (measured and printed). When the agent comes
// back, the evicted pods it still had are finished, never duplicated. Once with the default settings (the issue
// asks ≤ 30 s) with the node's containers killed for good, once with short settings where the containers survive
// the agent (as after a partition) and the returning agent must stop them. Needs root, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { DEPLOYMENTS, NODES } from '../../src/client/resources.js';
import { isServing, listPods, startMultiNodeCluster, waitFor, type ClusterNode, type MultiNodeCluster } from './multi-node-cluster.js';

const canRun = process.getuid?.() === 0;
const REPLICAS = 4;

function manifest(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'survivor', namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'survivor' } },
      template: {
        metadata: { labels: { app: 'survivor' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          // Spread over the three nodes, so the victim has pods to lose and the others have room for them.
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'survivor' } } }],
          containers: [{ name: 'web', image, readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } }],
        },
      },
    },
  });
}

const active = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata?.deletionTimestamp);

interface FailoverSettings {
  title: string;
  serverArgs: string[];
  agentArgs: string[];
  /** Node death → replacements Running and Ready elsewhere, at most. */
  limitSeconds: number;
  /** Kill the node's containers too (for good), or leave them running for the returning agent to stop. */
  killContainers: boolean;
}

const SETTINGS: FailoverSettings[] = [
  { title: 'default settings (grace 20 s, toleration 5 s)', serverArgs: [], agentArgs: [], limitSeconds: 30, killContainers: true },
  {
    title: 'short settings (grace 3 s, toleration 1 s, heartbeat 1 s)',
    serverArgs: ['--node-monitor-grace-period', '3', '--default-toleration-seconds', '1'], agentArgs: ['--heartbeat-interval', '1'],
    limitSeconds: 10, killContainers: false,
  },
];

for (const settings of SETTINGS) {
  describe(`node failover with real agents: ${settings.title}`, { skip: canRun ? false : 'needs root, runc and CNI plugins' }, () => {
    let cluster: MultiNodeCluster;

    before(async () => {
      cluster = await startMultiNodeCluster({ agents: 3, serverArgs: settings.serverArgs, agentArgs: settings.agentArgs });
      await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest(cluster.images.httpd1) });
      await cluster.kubectlOk(['rollout', 'status', 'deployment/survivor', '--timeout=90s'], { timeoutMs: 100_000 });
    });

    after(async () => {
      await cluster?.stop();
    });

    test(`a killed node's pods are replaced on the other nodes within ${settings.limitSeconds} s; nothing is duplicated when it returns`, { timeout: 120_000 }, () => cluster.explainFailure(async () => {
      const client = cluster.client;
      const pods = await listPods(client, 'app=survivor');
      const perNode = (node: ClusterNode): Pod[] => pods.filter((p) => p.spec?.nodeName === node.name);
      const victim = [...cluster.nodes].sort((a, b) => perNode(b).length - perNode(a).length)[0]!;
      const lost = perNode(victim).map((p) => p.metadata!.name!);
      assert.ok(lost.length >= 1, 'the victim runs some of the pods');

      const killedAt = Date.now();
      await victim.kill();
      if (settings.killContainers) await victim.destroyContainers();
      else assert.ok(victim.runcIds().length >= lost.length, 'the containers outlive the agent');

      // Replacements: REPLICAS active pods, all Ready, none on the victim.
      const replaced = await waitFor(async () => {
        const now = active(await listPods(client, 'app=survivor'));
        return now.length === REPLICAS && now.every((p) => isServing(p) && p.spec?.nodeName !== victim.name) ? now : undefined;
      }, (settings.limitSeconds + 30) * 1000, 'replacement pods Running and Ready on the other nodes');
      const seconds = (Date.now() - killedAt) / 1000;
      console.log(`failover (${settings.title}): ${lost.length} pod(s) of node ${victim.name} replaced and Ready on other nodes ${seconds.toFixed(1)} s after the agent was killed`);
      assert.ok(seconds <= settings.limitSeconds, `failover took ${seconds.toFixed(1)} s; the limit is ${settings.limitSeconds} s`);
      for (const p of replaced) assert.ok(!lost.includes(p.metadata!.name!));
      await Promise.all(replaced.map(async (p) => {
        assert.equal((await (await fetch(`http://${p.status!.podIP}:8080/`, { signal: AbortSignal.timeout(3000) })).text()).trim(), 'stratus httpd v1');
      }));

      // The node is Unknown and tainted; its pods were evicted (terminating), and wait for their agent.
      const node = await client.get(NODES, victim.name) as Node;
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
      assert.deepEqual((node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
      const leftovers = (await listPods(client, 'app=survivor')).filter((p) => p.spec?.nodeName === victim.name);
      assert.deepEqual(leftovers.map((p) => p.metadata!.name!).sort(), [...lost].sort());
      assert.ok(leftovers.every((p) => p.metadata?.deletionTimestamp), 'the lost pods are evicted (terminating)');

      // The agent returns: it finishes the evicted pods and starts nothing of them again.
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const now = active(await listPods(client, 'app=survivor').catch(() => [] as Pod[]));
          most = Math.max(most, now.length);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        await victim.start();
        await waitFor(async () => (await listPods(client, 'app=survivor')).every((p) => p.spec?.nodeName !== victim.name), 30_000, 'the evicted pods to be finished by their returning agent');
        await waitFor(() => victim.runcIds().length === 0, 15_000, `no containers left on ${victim.name}`);
        const back = await client.get(NODES, victim.name) as Node;
        assert.equal(back.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
        await waitFor(async () => !((await client.get(NODES, victim.name)) as Node).spec?.taints?.length, 15_000, 'the taints to go');
      } finally {
        sampling = false;
        await sampler;
      }
      assert.equal(most, REPLICAS, 'never more than replicas active pods');
      const final = await listPods(client, 'app=survivor');
      assert.equal(final.length, REPLICAS);
      assert.deepEqual(final.map((p) => p.metadata!.name!).sort(), replaced.map((p) => p.metadata!.name!).sort(), 'the replacements stay');
      const d = await client.get(DEPLOYMENTS, 'survivor', { namespace: 'default' }) as Deployment;
      assert.equal(d.status?.replicas, REPLICAS);
      assert.equal(d.status?.availableReplicas, REPLICAS);
    }));
  });
}
