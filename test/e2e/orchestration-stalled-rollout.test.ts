// A rollout to an image that is not in the registry, with real agents: `kubectl rollout status` fails with the
// progress-deadline message, the Progressing condition says ProgressDeadlineExceeded, and the old pods keep
// serving. With the annotation stratus.io/rollback-on-progress-deadline the Deployment rolls itself back to the
// previous template, with a RolledBack event. Needs root, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { DEPLOYMENTS, EVENTS } from '../../src/client/resources.js';
import { isServing, listPods, startMultiNodeCluster, waitFor, type MultiNodeCluster } from './multi-node-cluster.js';

const canRun = process.getuid?.() === 0;
const REPLICAS = 3;
const DEADLINE_SECONDS = 5;

function manifest(name: string, image: string, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default', annotations },
    spec: {
      replicas: REPLICAS,
      progressDeadlineSeconds: DEADLINE_SECONDS,
      selector: { matchLabels: { app: name } },
      // maxUnavailable 0: the old pods all stay while the new one cannot start.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'web', image, readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } }],
        },
      },
    },
  });
}

describe('a rollout to a broken image with real agents', { skip: canRun ? false : 'needs root, runc and CNI plugins' }, () => {
  let cluster: MultiNodeCluster;
  let broken: string;

  before(async () => {
    cluster = await startMultiNodeCluster({ agents: 2 });
    broken = `${cluster.registry.host}/httpd:does-not-exist`;
    await cluster.kubectlOk(['apply', '-f', '-'], { input: [manifest('stuck', cluster.images.httpd1), manifest('auto', cluster.images.httpd1, { 'stratus.io/rollback-on-progress-deadline': 'true' })].join('\n') });
    await Promise.all(['stuck', 'auto'].map((name) => cluster.kubectlOk(['rollout', 'status', `deployment/${name}`, '--timeout=90s'], { timeoutMs: 100_000 })));
  });

  after(async () => {
    await cluster?.stop();
  });

  const get = (name: string): Promise<Deployment> => cluster.client.get(DEPLOYMENTS, name, { namespace: 'default' });

  async function answersOfServingPods(app: string): Promise<string[]> {
    const pods = (await listPods(cluster.client, `app=${app}`)).filter(isServing);
    return Promise.all(pods.map(async (p) => (await (await fetch(`http://${p.status!.podIP}:8080/`, { signal: AbortSignal.timeout(3000) })).text()).trim()));
  }

  test('the rollout stalls: rollout status fails, Progressing=False/ProgressDeadlineExceeded, old pods keep serving', { timeout: 120_000 }, () => cluster.explainFailure(async () => {
    const oldPods = (await listPods(cluster.client, 'app=stuck')).map((p) => p.metadata!.name!).sort();
    // Both deployments go to the broken image at once; the second test watches the annotated one roll back.
    await Promise.all(['stuck', 'auto'].map((name) => cluster.kubectlOk(['set', 'image', `deployment/${name}`, `web=${broken}`])));
    const started = Date.now();
    const status = await cluster.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=60s'], { timeoutMs: 70_000 });
    console.log(`rollout status reported the stalled rollout after ${((Date.now() - started) / 1000).toFixed(1)} s (progressDeadlineSeconds ${DEADLINE_SECONDS})`);
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.match(status.stderr, /error: deployment "stuck" exceeded its progress deadline/);

    const d = await get('stuck');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    assert.match(progressing?.message ?? '', /has timed out progressing/);
    assert.equal(d.spec?.template?.spec?.containers[0]?.image, broken, 'without the annotation nothing rolls back');

    // The new pod cannot pull its image; the old ones are all still there and answer v1.
    const pods = await listPods(cluster.client, 'app=stuck');
    const fresh = pods.filter((p: Pod) => p.spec?.containers[0]?.image === broken);
    assert.equal(fresh.length, 1, 'maxSurge 1: one new pod');
    const waiting = fresh[0]!.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    assert.ok(waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff', `new pod waits on its image: ${waiting}`);
    assert.deepEqual(pods.filter((p) => p.spec?.containers[0]?.image !== broken).map((p) => p.metadata!.name!).sort(), oldPods);
    assert.deepEqual(await answersOfServingPods('stuck'), Array(REPLICAS).fill('stratus httpd v1'));
    assert.equal(d.status?.availableReplicas, REPLICAS);
  }));

  test('with the auto-rollback annotation the Deployment returns to the previous template by itself', { timeout: 120_000 }, () => cluster.explainFailure(async () => {
    const event = await waitFor(async () => {
      const events = (await cluster.client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=auto,reason=RolledBack' })).items as Event[];
      return events[0];
    }, 60_000, 'a RolledBack event for deployment auto');
    assert.equal(event.type, 'Warning');
    assert.match(event.message ?? '', /Rolled back to revision 1: revision 2 .* did not progress within 5s/);

    await cluster.kubectlOk(['rollout', 'status', 'deployment/auto', '--timeout=60s'], { timeoutMs: 70_000 });
    const d = await get('auto');
    assert.equal(d.spec?.template?.spec?.containers[0]?.image, cluster.images.httpd1);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3', 'revision 1 comes back as revision 3');
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    await waitFor(async () => (await listPods(cluster.client, 'app=auto')).every((p) => p.spec?.containers[0]?.image === cluster.images.httpd1), 30_000, 'the broken pod to go');
    assert.deepEqual(await answersOfServingPods('auto'), Array(REPLICAS).fill('stratus httpd v1'));

    // kubectl shows it too.
    const described = await cluster.kubectlOk(['describe', 'deployment', 'auto']);
    assert.match(described, /RolledBack/);
    const history = await cluster.kubectlOk(['rollout', 'history', 'deployment/auto']);
    assert.deepEqual(history.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter(Boolean), ['2', '3'], history);
  }));
});
