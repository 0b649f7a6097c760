// Autoscaling with real agents: a Deployment whose containers burn CPU (busybox busy loop, 100m request, 200m
// limit) is autoscaled with `kubectl autoscale --cpu-percent=50 --min=1 --max=3`; the HPA reads usage from the
// metrics API (the API server asks each node's agent), scales up to 3 across the nodes, and once the load stops
// (`kubectl exec … touch /tmp/stop` in every pod) scales back to 1 (scale-down stabilization set to 0 through the
// autoscaling/v2 `behavior`). The controller's sync period is upstream's 15 s. Needs root, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { DEPLOYMENTS, EVENTS, HORIZONTALPODAUTOSCALERS } from '../../src/client/resources.js';
import { listPods, startMultiNodeCluster, waitFor, type MultiNodeCluster } from './multi-node-cluster.js';

const canRun = process.getuid?.() === 0;

function manifest(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'burn', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'burn' } },
      template: {
        metadata: { labels: { app: 'burn' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'burn', image,
            // Burns until /tmp/stop exists (`[` is a shell builtin: no fork per round), then idles.
            command: ['sh', '-c', 'while [ ! -e /tmp/stop ]; do :; done; exec sleep 3600'],
            resources: { requests: { cpu: '100m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
          }],
        },
      },
    },
  });
}

describe('horizontal pod autoscaling with real agents', { skip: canRun ? false : 'needs root, runc and CNI plugins' }, () => {
  let cluster: MultiNodeCluster;

  before(async () => {
    cluster = await startMultiNodeCluster({ agents: 2 });
  });

  after(async () => {
    await cluster?.stop();
  });

  const replicas = async (): Promise<number | undefined> => ((await cluster.client.get(DEPLOYMENTS, 'burn', { namespace: 'default' })) as Deployment).spec?.replicas;
  const rescales = async (): Promise<string[]> => ((await cluster.client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=burn,reason=SuccessfulRescale' })).items as Event[]).map((e) => e.message ?? '');

  test('kubectl autoscale: scales a CPU-burning Deployment up, and back down when the load stops', { timeout: 240_000 }, () => cluster.explainFailure(async () => {
    const served = await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1']);
    assert.equal(served.code, 0, `the resource metrics API must be served: ${served.stderr}`);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest(cluster.images.busybox) });
    await cluster.kubectlOk(['rollout', 'status', 'deployment/burn', '--timeout=60s'], { timeoutMs: 70_000 });

    const started = Date.now();
    assert.match(await cluster.kubectlOk(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3']), /horizontalpodautoscaler.autoscaling\/burn autoscaled/);
    // `behavior` exists only in autoscaling/v2: a short scale-down stabilization (20 s instead of 5 minutes), long
    // enough that freshly started burners, whose first usage sample is still low, do not flap the size back down.
    await cluster.kubectlOk(['patch', 'hpa.v2.autoscaling', 'burn', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 20 } } } })]);

    await waitFor(async () => (await replicas()) === 3, 90_000, 'the HPA to scale the burner to 3');
    const upSeconds = (Date.now() - started) / 1000;
    // The event is recorded just after the scale is written: wait for it rather than race it.
    await waitFor(async () => (await rescales()).some((m) => /^New size: 3; reason: cpu resource utilization \(percentage of request\) above target$/.test(m)), 15_000, 'the scale-up event');
    // The controller writes the scale first and its status right after.
    const busy = await waitFor(async () => {
      const hpa = await cluster.client.get(HORIZONTALPODAUTOSCALERS, 'burn', { namespace: 'default' }) as HorizontalPodAutoscaler;
      return hpa.status?.desiredReplicas === 3 && hpa.status.currentMetrics?.length ? hpa : undefined;
    }, 30_000, 'the HPA status after scaling up');
    const utilization = busy.status?.currentMetrics?.[0]?.resource?.current.averageUtilization ?? 0;
    assert.ok(utilization > 50, `utilization above the target while burning: ${JSON.stringify(busy.status)}`);
    const table = await cluster.kubectlOk(['get', 'hpa', 'burn']);
    assert.match(table, /burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d/);

    // All three burn, on more than one node.
    const pods = await waitFor(async () => {
      const list = await listPods(cluster.client, 'app=burn');
      return list.length === 3 && list.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running) ? list : undefined;
    }, 60_000, 'three burner pods running');
    assert.ok(new Set(pods.map((p) => p.spec?.nodeName)).size >= 2, 'the burners run on both nodes');

    // Stop the load in every pod through kubectl exec; usage falls and the HPA returns to the minimum.
    const stopped = Date.now();
    for (const pod of pods) {
      // An exec right after the container started is sometimes refused as "not running" by the agent; retry that.
      await waitFor(async () => {
        const r = await cluster.kubectl(['exec', pod.metadata!.name!, '--', 'touch', '/tmp/stop']);
        if (r.code !== 0) console.log(`kubectl exec ${pod.metadata!.name}: ${r.stderr.trim()} (retrying)`);
        return r.code === 0;
      }, 15_000, `kubectl exec into ${pod.metadata!.name}`);
    }
    await waitFor(async () => (await replicas()) === 1, 90_000, 'the HPA to scale the burner back to 1');
    const downSeconds = (Date.now() - stopped) / 1000;
    await waitFor(async () => (await rescales()).includes('New size: 1; reason: All metrics below target'), 15_000, 'the scale-down event');
    console.log(`autoscaling: 1 → 3 after ${upSeconds.toFixed(1)} s at ${utilization}% of the cpu request; 3 → 1 ${downSeconds.toFixed(1)} s after the load stopped (HPA sync period 15 s)`);
  }));
});
