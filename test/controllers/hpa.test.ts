import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import type { ApiClient } from '../../src/client/api-client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { DEPLOYMENTS, EVENTS, HORIZONTALPODAUTOSCALERS, PODS } from '../../src/client/resources.js';
import { DeploymentController } from '../../src/controllers/deployment/deployment-controller.js';
import { HorizontalPodAutoscalerController } from '../../src/controllers/hpa/hpa-controller.js';
import type { PodMetricsObject, PodMetricsSource } from '../../src/controllers/hpa/metrics-source.js';
import { ReplicaSetController } from '../../src/controllers/replicaset.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

// The HPA controller against a real control plane (scheduler, Deployment and ReplicaSet controllers, hollow
// nodes), driven by the real kubectl. Usage comes from a metrics source the test controls: a fixed total CPU
// load spread evenly over the running pods, like a load-balanced service (so adding pods lowers each one's use).

/** Serves PodMetrics for the running pods of an app, each using `load of the app / pods` millicores. */
class SimulatedLoad implements PodMetricsSource {
  private readonly millicores = new Map<string, number>();
  failing = false;

  /** Total CPU the app `app=NAME` is asked to do, in millicores. */
  set(app: string, total: number): void {
    this.millicores.set(`app=${app}`, total);
  }

  constructor(private readonly client: ApiClient) {}

  async listPodMetrics(namespace: string, labelSelector: string): Promise<PodMetricsObject[]> {
    if (this.failing) throw new Error('the resource metrics API is unavailable (simulated)');
    const pods = (await this.client.list(PODS, { namespace, labelSelector })).items
      .filter((p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    const each = pods.length ? Math.round((this.millicores.get(labelSelector) ?? 0) / pods.length) : 0;
    const now = new Date().toISOString();
    return pods.map((p: Pod) => ({
      metadata: { name: p.metadata!.name!, namespace },
      timestamp: now, window: '1s',
      containers: [{ name: 'web', usage: { cpu: `${each}m`, memory: '10Mi' } }],
    }));
  }
}

let cluster: TestCluster;
let agent: HollowAgent;
let factory: InformerFactory;
let load: SimulatedLoad;
const stoppers: Array<{ stop(): Promise<void> }> = [];

before(async () => {
  cluster = await startTestCluster({ controllers: false });
  const client = cluster.plane.client;
  agent = new HollowAgent({ client, name: 'node', count: 3 });
  await agent.start();
  factory = new InformerFactory(client);
  load = new SimulatedLoad(client);
  const hpa = new HorizontalPodAutoscalerController({
    client, factory, metrics: load, syncPeriodMs: 300,
    // Hollow pods turn Ready the moment they start; trust their first samples at once.
    cpuInitializationPeriodMs: 0,
  });
  const started = [new Scheduler({ client, factory }), new ReplicaSetController({ client, factory }), new DeploymentController({ client, factory }), hpa];
  stoppers.push(...started);
  await Promise.all(started.map((c) => c.start()));
});

after(async () => {
  for (const c of stoppers) await c.stop();
  await factory?.stop();
  await agent?.stop();
  await cluster?.close();
});

const exec = promisify(execFile);
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec('/usr/bin/kubectl', ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', `${cluster.dir}/kubectl-cache`, ...args]);
  return stdout;
}

async function deploymentReplicas(name: string): Promise<number | undefined> {
  return (await cluster.plane.client.get(DEPLOYMENTS, name, { namespace: 'default' })).spec?.replicas;
}

async function getHpa(name: string): Promise<HorizontalPodAutoscaler> {
  return cluster.plane.client.get(HORIZONTALPODAUTOSCALERS, name, { namespace: 'default' });
}

function condition(hpa: HorizontalPodAutoscaler, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return hpa.status?.conditions?.find((c) => c.type === type);
}

async function events(name: string, reason: string): Promise<Event[]> {
  return (await cluster.plane.client.list(EVENTS, { namespace: 'default', fieldSelector: `involvedObject.name=${name},reason=${reason}` })).items;
}

async function runningPods(app: string): Promise<number> {
  const pods = await cluster.plane.client.list(PODS, { namespace: 'default', labelSelector: `app=${app}` });
  return pods.items.filter((p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
}

function webDeployment(name: string): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'registry.local/httpd:1', resources: { requests: { cpu: '100m', memory: '32Mi' } } }] },
      },
    },
  };
}

/** The HPA `kubectl autoscale deployment NAME --cpu-percent=50 --min=1 --max=5` asks for, as autoscaling/v2. */
function autoscaleLikeKubectl(name: string): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1, maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  };
}

test('an HPA scales a Deployment up when usage is high and back down when it drops; kubectl get hpa shows it', async () => {
  const client = cluster.plane.client;
  await client.create(DEPLOYMENTS, webDeployment('web'));
  await eventually(async () => (await runningPods('web')) === 1, 'one running web pod');

  await client.create(HORIZONTALPODAUTOSCALERS, autoscaleLikeKubectl('web'));
  const created = await getHpa('web');
  assert.equal(created.spec?.maxReplicas, 5);
  assert.equal(created.spec?.minReplicas, 1);
  assert.deepEqual(created.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
  assert.equal(created.spec?.metrics?.[0]?.resource?.target.averageUtilization, 50);

  // Low load within tolerance of the target: nothing moves.
  load.set('web', 52);
  const steady = await eventually(async () => {
    const h = await getHpa('web');
    return condition(h, 'ScalingActive')?.status === 'True' ? h : undefined;
  }, 'the HPA to compute a replica count');
  assert.equal(steady.status?.currentMetrics?.[0]?.resource?.current.averageUtilization, 52);
  assert.equal(await deploymentReplicas('web'), 1);

  // 600m over 100m requests is 600%: the legacy limit allows 4 first, then the maximum of 5.
  load.set('web', 600);
  await eventually(async () => (await deploymentReplicas('web')) === 5, 'the deployment to be scaled to 5', 15_000);
  await eventually(async () => (await runningPods('web')) === 5, 'five running pods', 15_000);
  const rescales = await events('web', 'SuccessfulRescale');
  const messages = rescales.map((e) => e.message);
  assert.ok(messages.includes('New size: 4; reason: cpu resource utilization (percentage of request) above target'), messages.join(' | '));
  assert.ok(messages.includes('New size: 5; reason: cpu resource utilization (percentage of request) above target'), messages.join(' | '));

  const high = await eventually(async () => {
    const h = await getHpa('web');
    return h.status?.currentReplicas === 5 && h.status.currentMetrics?.[0]?.resource?.current.averageUtilization === 120 ? h : undefined;
  }, 'status with 5 replicas at 120%');
  assert.equal(high.status?.desiredReplicas, 5);
  assert.ok(high.status?.lastScaleTime);
  assert.equal(condition(high, 'AbleToScale')?.status, 'True');
  assert.equal(condition(high, 'ScalingActive')?.reason, 'ValidMetricFound');
  assert.equal(condition(high, 'ScalingLimited')?.status, 'True');
  assert.equal(condition(high, 'ScalingLimited')?.reason, 'TooManyReplicas');

  const table = await kubectl('get', 'hpa', 'web');
  const [header, row] = table.trim().split('\n');
  assert.match(header!, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
  assert.match(row!, /^web\s+Deployment\/web\s+cpu: 120%\/50%\s+1\s+5\s+5\s+/);

  // Without behavior, scale-down waits 5 minutes; ask for no stabilization window, as a user would.
  await client.patch(HORIZONTALPODAUTOSCALERS, 'web', { spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } }, 'merge', { namespace: 'default' });
  load.set('web', 40);
  await eventually(async () => (await deploymentReplicas('web')) === 1, 'the deployment to be scaled back to 1', 15_000);
  await eventually(async () => (await runningPods('web')) === 1, 'one running pod again', 15_000);
  const down = (await events('web', 'SuccessfulRescale')).map((e) => e.message);
  assert.ok(down.includes('New size: 1; reason: All metrics below target'), down.join(' | '));
  const low = await eventually(async () => {
    const h = await getHpa('web');
    return h.status?.currentReplicas === 1 ? h : undefined;
  }, 'status with 1 replica');
  assert.equal(condition(low, 'ScalingLimited')?.status, 'False');
});

test('behavior policies limit how fast a scale-up goes', async () => {
  const client = cluster.plane.client;
  await client.create(DEPLOYMENTS, webDeployment('api'));
  await eventually(async () => (await runningPods('api')) === 1, 'one running api pod');
  const hpa: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'api', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 1, maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '50m' } } }],
      behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
  load.set('api', 1000); // 20 pods' worth at 50m each
  await client.create(HORIZONTALPODAUTOSCALERS, hpa);
  await eventually(async () => (await deploymentReplicas('api')) === 2, 'one pod added');
  const h = await eventually(async () => {
    const cur = await getHpa('api');
    return condition(cur, 'ScalingLimited')?.reason === 'ScaleUpLimit' && cur.status?.currentReplicas === 2 ? cur : undefined;
  }, 'ScaleUpLimit after the first step');
  assert.equal(h.status?.currentMetrics?.[0]?.resource?.current.averageValue, '500m');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await deploymentReplicas('api'), 2, 'one pod per minute: no second step yet');
});

test('when metrics cannot be read the HPA reports it and leaves the scale alone', async () => {
  load.failing = true;
  try {
    const h = await eventually(async () => {
      const cur = await getHpa('web');
      return condition(cur, 'ScalingActive')?.status === 'False' ? cur : undefined;
    }, 'ScalingActive=False');
    assert.equal(condition(h, 'ScalingActive')?.reason, 'FailedGetResourceMetric');
    assert.match(condition(h, 'ScalingActive')?.message ?? '', /^the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: the resource metrics API is unavailable/);
    assert.equal(await deploymentReplicas('web'), 1);
    await eventually(async () => (await events('web', 'FailedGetResourceMetric')).length > 0, 'a FailedGetResourceMetric event');
    await eventually(async () => (await events('web', 'FailedComputeMetricsReplicas')).length > 0, 'a FailedComputeMetricsReplicas event');
  } finally {
    load.failing = false;
  }
});

test('an HPA whose target does not exist says so', async () => {
  await cluster.plane.client.create(HORIZONTALPODAUTOSCALERS, {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'ghost', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' }, maxReplicas: 3 },
  });
  const h = await eventually(async () => {
    const cur = await getHpa('ghost');
    return condition(cur, 'AbleToScale')?.status === 'False' ? cur : undefined;
  }, 'AbleToScale=False');
  assert.equal(condition(h, 'AbleToScale')?.reason, 'FailedGetScale');
  assert.match(condition(h, 'AbleToScale')?.message ?? '', /unable to get the target's current scale: .*not found/);
});

test('kubectl autoscale creates the HPA', async () => {
  // kubectl 1.32 posts autoscaling/v1 HorizontalPodAutoscalers; the API server converts them to the stored v2.
  await cluster.plane.client.create(DEPLOYMENTS, webDeployment('front'));
  await kubectl('autoscale', 'deployment', 'front', '--cpu-percent=50', '--min=1', '--max=5');
  const h = await getHpa('front');
  assert.equal(h.spec?.maxReplicas, 5);
  assert.equal(h.spec?.metrics?.[0]?.resource?.target.averageUtilization, 50);
  await eventually(async () => condition(await getHpa('front'), 'AbleToScale')?.status === 'True', 'the controller to pick it up');
});

test('two HPAs over the same pods: both refuse to scale, as upstream (AmbiguousSelector)', async () => {
  const client = cluster.plane.client;
  await client.create(HORIZONTALPODAUTOSCALERS, { ...autoscaleLikeKubectl('web'), metadata: { name: 'web-again', namespace: 'default' } });
  const h = await eventually(async () => {
    const cur = await getHpa('web-again');
    return condition(cur, 'ScalingActive')?.reason === 'AmbiguousSelector' ? cur : undefined;
  }, 'AmbiguousSelector on the second HPA');
  assert.equal(condition(h, 'ScalingActive')?.message, 'pods by selector app=web are controlled by multiple HPAs: [default/web default/web-again]');
  await eventually(async () => condition(await getHpa('web'), 'ScalingActive')?.reason === 'AmbiguousSelector', 'AmbiguousSelector on the first HPA too');
  await client.delete(HORIZONTALPODAUTOSCALERS, 'web-again', { namespace: 'default' });
  await eventually(async () => condition(await getHpa('web'), 'ScalingActive')?.reason === 'ValidMetricFound', 'the first HPA to work again');
});
