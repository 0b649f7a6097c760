// Rolling update under load with real agents: a Deployment of httpd:1 on three `stratus agent` processes rolls to
// httpd:2 with `kubectl set image` + `kubectl rollout status` while a client keeps requesting the Ready pods by pod
// IP and a watcher counts them; `kubectl rollout history` lists both revisions and `kubectl rollout undo` returns
// to v1. Needs root, runc and the CNI plugins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { Informer } from '../../src/client/informer.js';
import { DEPLOYMENTS, PODS } from '../../src/client/resources.js';
import { isServing, startMultiNodeCluster, waitFor, type MultiNodeCluster } from './multi-node-cluster.js';

const canRun = process.getuid?.() === 0;
const REPLICAS = 4;
const MAX_UNAVAILABLE = 1;

function manifest(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: MAX_UNAVAILABLE, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: 'web', image, ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3 },
          }],
        },
      },
    },
  });
}

interface Sample { pod: string; version?: string; error?: string }

/**
 * Watches the Deployment's pods and keeps requesting every serving (Ready, not terminating) pod by IP, round robin.
 * Records each response and the lowest number of serving pods seen while recording.
 */
class LoadClient {
  readonly samples: Sample[] = [];
  minServing = Infinity;
  /** The pods when the fewest were serving, for failure messages. */
  atMin = '';
  private running = true;
  private loop: Promise<void>;
  private readonly informer: Informer<Pod>;

  constructor(private readonly cluster: MultiNodeCluster) {
    this.informer = new Informer<Pod>(cluster.client, PODS, { namespace: 'default', labelSelector: 'app=web' });
    const count = (): void => {
      const serving = this.serving().length;
      if (serving < this.minServing) {
        this.minServing = serving;
        this.atMin = this.describePods();
      }
    };
    this.informer.addHandlers({ onAdd: count, onUpdate: count, onDelete: count });
    this.informer.start();
    this.loop = this.run();
  }

  async synced(): Promise<void> {
    await this.informer.waitForSync();
  }

  serving(): Pod[] {
    return this.informer.list().filter(isServing);
  }

  resetMin(): void {
    this.minServing = this.serving().length;
    this.atMin = this.describePods();
  }

  describePods(): string {
    return this.informer.list().map((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return `${p.metadata!.name} ${p.spec?.containers[0]?.image?.split('/').pop()} ready=${ready?.status}${ready?.reason ? `(${ready.reason})` : ''}${p.metadata?.deletionTimestamp ? ' terminating' : ''}`;
    }).join('; ');
  }

  private async run(): Promise<void> {
    let turn = 0;
    while (this.running) {
      const pods = this.serving();
      if (pods.length === 0) { await new Promise((r) => setTimeout(r, 20)); continue; }
      const pod = pods[turn++ % pods.length]!;
      const name = pod.metadata!.name!;
      try {
        const res = await fetch(`http://${pod.status!.podIP}:8080/`, { signal: AbortSignal.timeout(3000) });
        const body = await res.text();
        this.samples.push(res.ok ? { pod: name, version: /stratus httpd (v\d)/.exec(body)?.[1] ?? body } : { pod: name, error: `HTTP ${res.status}` });
      } catch (err) {
        this.samples.push({ pod: name, error: (err as Error).message });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.informer.stop();
  }
}

describe('rolling update under load with real agents', { skip: canRun ? false : 'needs root, runc and CNI plugins' }, () => {
  let cluster: MultiNodeCluster;
  let load: LoadClient | undefined;

  before(async () => {
    cluster = await startMultiNodeCluster({ agents: 3 });
  });

  after(async () => {
    await load?.stop();
    await cluster?.stop();
  });

  const deployment = (): Promise<Deployment> => cluster.client.get(DEPLOYMENTS, 'web', { namespace: 'default' });

  /** Requests every serving pod a few times; answers the set of versions seen (no failures allowed). */
  async function versionsNow(): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const pod of load!.serving()) {
        const res = await fetch(`http://${pod.status!.podIP}:8080/`, { signal: AbortSignal.timeout(3000) });
        seen.add((await res.text()).trim());
      }
    }
    return seen;
  }

  test('v1 → v2 with kubectl set image under load, history, then undo back to v1', { timeout: 180_000 }, () => cluster.explainFailure(async () => {
    const { images } = cluster;
    await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest(images.httpd1) });
    await cluster.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=90s'], { timeoutMs: 100_000 });
    const pods = (await cluster.client.list(PODS, { namespace: 'default', labelSelector: 'app=web' })).items as Pod[];
    const nodesUsed = new Set(pods.map((p) => p.spec?.nodeName));
    assert.ok(nodesUsed.size >= 2, `pods spread over the agents, got ${[...nodesUsed].join(',')}`);

    load = new LoadClient(cluster);
    await load.synced();
    await waitFor(() => load!.serving().length === REPLICAS && load!.samples.length >= 20, 30_000, 'v1 traffic to flow');
    assert.deepEqual(await versionsNow(), new Set(['stratus httpd v1']));

    // v1 → v2
    load.resetMin();
    const before = load.samples.length;
    const started = Date.now();
    await cluster.kubectlOk(['set', 'image', 'deployment/web', `web=${images.httpd2}`]);
    const status = await cluster.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 130_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.match(status, /deployment "web" successfully rolled out/);
    if (seconds > 20) console.log(`slow rollout; kubectl rollout status said:\n${status}\npods now: ${load.describePods()}\nagent warnings:\n${cluster.nodes.flatMap((n) => n.logs().split('\n').filter((l) => /"level":[4-6]\d/.test(l))).join('\n').slice(-6000)}`);
    const during = load.samples.slice(before);
    const minDuringUpdate = load.minServing;
    const failures = during.filter((s) => s.error);
    console.log(`rolling update v1→v2: ${seconds.toFixed(1)} s, ${during.length} requests (${during.filter((s) => s.version === 'v1').length} v1, ${during.filter((s) => s.version === 'v2').length} v2), ${failures.length} failed, fewest Ready pods ${minDuringUpdate}`);
    assert.deepEqual(failures, [], 'no request to a Ready pod failed');
    assert.ok(minDuringUpdate >= REPLICAS - MAX_UNAVAILABLE, `Ready pods never fewer than ${REPLICAS - MAX_UNAVAILABLE}; saw ${minDuringUpdate}: ${load.atMin}`);
    assert.ok(during.some((s) => s.version === 'v2'), 'v2 answered during the rollout');
    await waitFor(() => load!.serving().length === REPLICAS, 20_000, 'four serving pods after the rollout');
    assert.deepEqual(await versionsNow(), new Set(['stratus httpd v2']));
    const afterUpdate = load.samples.length;
    await waitFor(() => load!.samples.length >= afterUpdate + 20, 10_000, 'more traffic');
    assert.deepEqual(new Set(load.samples.slice(afterUpdate).map((s) => s.version ?? s.error)), new Set(['v2']), 'every response after the rollout is v2');

    const d = await deployment();
    assert.equal(d.status?.updatedReplicas, REPLICAS);
    assert.equal(d.status?.availableReplicas, REPLICAS);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');

    const history = await cluster.kubectlOk(['rollout', 'history', 'deployment/web']);
    const revisions = history.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter((r): r is string => !!r);
    assert.deepEqual(revisions, ['1', '2'], history);

    // undo → v1
    load.resetMin();
    const beforeUndo = load.samples.length;
    const undoStarted = Date.now();
    assert.match(await cluster.kubectlOk(['rollout', 'undo', 'deployment/web']), /deployment.apps\/web rolled back/);
    await cluster.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 130_000 });
    const undoSeconds = (Date.now() - undoStarted) / 1000;
    const duringUndo = load.samples.slice(beforeUndo);
    console.log(`rollout undo v2→v1: ${undoSeconds.toFixed(1)} s, ${duringUndo.length} requests, ${duringUndo.filter((s) => s.error).length} failed, fewest Ready pods ${load.minServing}`);
    assert.deepEqual(duringUndo.filter((s) => s.error), [], 'no request to a Ready pod failed during the undo');
    assert.ok(load.minServing >= REPLICAS - MAX_UNAVAILABLE, `Ready pods never fewer than ${REPLICAS - MAX_UNAVAILABLE} during undo; saw ${load.minServing}: ${load.atMin}`);
    await waitFor(() => load!.serving().length === REPLICAS, 20_000, 'four serving pods after the undo');
    assert.deepEqual(await versionsNow(), new Set(['stratus httpd v1']));
    const undone = await deployment();
    assert.equal(undone.spec?.template?.spec?.containers[0]?.image, images.httpd1);
    assert.equal(undone.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    const historyAfter = await cluster.kubectlOk(['rollout', 'history', 'deployment/web']);
    const revisionsAfter = historyAfter.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter((r): r is string => !!r);
    assert.deepEqual(revisionsAfter, ['2', '3'], `revision 1 became 3:\n${historyAfter}`);
  }));
});
