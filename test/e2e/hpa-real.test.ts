// End to end autoscaling: `stratus agent` runs a CPU-burning Deployment in real runc containers, the API server's
// metrics.k8s.io API reads their usage from the agent, and the controller manager's HPA (15 s sync, as upstream)
// scales the Deployment up while the containers burn CPU and back down once they stop. Needs root and runc.
// Skips, saying why, while the metrics API is not served or has no usage for the agent's pods.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { pino } from 'pino';
import { ApiClient } from '../../src/client/api-client.js';
import { DEPLOYMENTS, EVENTS, HORIZONTALPODAUTOSCALERS, PODS } from '../../src/client/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/controlplane/control-plane.js';
import { purgeNode } from '../fixtures/node-leftovers.js';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../fixtures/test-images.js';
import { KUBECTL, REPO_ROOT, run } from './harness.js';

function hasRunc(): boolean {
  try { execFileSync('runc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}
const canRun = process.getuid?.() === 0 && hasRunc();

let dir: string;
let plane: ControlPlane;
let client: ApiClient;
let registry: TestRegistry;
let images: TestImages;
const nodeName = `h${Math.random().toString(36).slice(2, 9)}`;
let root: string;
let agent: ChildProcess | undefined;
let agentLogs = '';

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function must<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const v = await waitFor(probe, timeoutMs, what);
  if (v === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; agent logs:\n${agentLogs.slice(-3000)}`);
  return v;
}

before(async () => {
  if (!canRun) return;
  dir = mkdtempSync(join(tmpdir(), 'stratus-hpa-real-'));
  root = join(dir, 'node');
  plane = await startControlPlane({ dataDir: join(dir, 'plane'), port: 0, logger: pino({ level: 'silent' }) });
  client = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  registry = await startRegistry();
  images = await buildTestImages(registry.host);
  agent = spawn(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'agent', '--kubeconfig', plane.kubeconfigPath, '--node-name', nodeName, '--root', root, '--log-level', 'info'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
  });
  agent.stderr!.setEncoding('utf8').on('data', (d: string) => { agentLogs = (agentLogs + d).slice(-100_000); });
});

after(async () => {
  if (!canRun) return;
  // Let the agent tear the pods down properly first, then sweep whatever is left.
  if (client) {
    await client.delete(HORIZONTALPODAUTOSCALERS, 'burn', { namespace: 'default' }).catch(() => undefined);
    await client.delete(DEPLOYMENTS, 'burn', { namespace: 'default', propagationPolicy: 'Foreground' }).catch(() => undefined);
    await waitFor(async () => ((await client.list(PODS, { namespace: 'default', labelSelector: 'app=burn' })).items.length === 0 ? true : undefined), 30_000, 'burner pods gone');
  }
  agent?.kill('SIGKILL');
  if (agent && agent.exitCode === null) await new Promise((r) => agent!.once('exit', r));
  await purgeNode(root, nodeName);
  client?.close();
  await plane?.close();
  await registry?.stop();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint?.startsWith(dir)) { try { execFileSync('umount', ['-l', mountPoint]); } catch { /* already gone */ } }
  }
  rmSync(dir, { recursive: true, force: true });
});

function burner(loadUntilEpochSeconds: number): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'burn', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'burn' } },
      template: {
        metadata: { labels: { app: 'burn' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'burn', image: images.busybox,
            command: ['sh', '-c', 'while [ "$(date +%s)" -lt "$LOAD_UNTIL" ]; do :; done; exec sleep 3600'],
            env: [{ name: 'LOAD_UNTIL', value: String(loadUntilEpochSeconds) }],
            // 200m of CPU at most against a 100m request: 200% of request while burning.
            resources: { requests: { cpu: '100m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
          }],
        },
      },
    },
  };
}

test('an HPA scales a CPU-burning Deployment up on a real agent, and back down when the load stops', { skip: canRun ? false : 'needs root and runc', timeout: 300_000 }, async (t) => {
  const served = await client.request<{ resources?: unknown[] }>('GET', '/apis/metrics.k8s.io/v1beta1').catch(() => undefined);
  if (!served) {
    t.skip('the API server does not serve metrics.k8s.io/v1beta1 (the resource metrics API); the HPA has no usage to read');
    return;
  }
  await must(async () => ((await client.get({ group: '', version: 'v1', plural: 'nodes' }, nodeName)) ? true : undefined), 60_000, 'the agent to register its node');

  const loadSeconds = 75;
  await client.create(DEPLOYMENTS, burner(Math.floor(Date.now() / 1000) + loadSeconds));
  await must(async () => {
    const pods = await client.list(PODS, { namespace: 'default', labelSelector: 'app=burn' });
    return pods.items.some((p) => p.status?.phase === 'Running') ? true : undefined;
  }, 90_000, 'the burner pod to run');
  const podMetrics = await waitFor(async () => {
    const list = await client.request<{ items?: Array<{ containers?: unknown[] }> }>('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { query: { labelSelector: 'app=burn' } });
    return (list.items ?? []).length > 0 ? list.items : undefined;
  }, 45_000, 'PodMetrics for the burning pod');
  if (!podMetrics) {
    t.skip('the metrics API answers but has no usage for pods on this agent (is its stats endpoint served?)');
    return;
  }

  const hpa: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'burn', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burn' },
      minReplicas: 1, maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    },
  };
  await client.create(HORIZONTALPODAUTOSCALERS, hpa);

  await must(async () => ((await client.get(DEPLOYMENTS, 'burn', { namespace: 'default' })).spec?.replicas === 3 ? true : undefined), 60_000, 'the burner to be scaled to 3');
  const events = await client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=burn,reason=SuccessfulRescale' });
  assert.ok(events.items.some((e) => /reason: cpu resource utilization \(percentage of request\) above target$/.test(e.message ?? '')), events.items.map((e) => e.message).join(' | '));
  const busy = await client.get(HORIZONTALPODAUTOSCALERS, 'burn', { namespace: 'default' });
  assert.ok((busy.status?.currentMetrics?.[0]?.resource?.current.averageUtilization ?? 0) > 50, JSON.stringify(busy.status));
  const table = await run(KUBECTL, ['--kubeconfig', plane.kubeconfigPath, '--cache-dir', join(dir, 'kube-cache'), 'get', 'hpa', 'burn']);
  assert.match(table.stdout, /burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d/);

  // The containers stop burning at LOAD_UNTIL; usage falls and the HPA scales back to the minimum.
  await must(async () => ((await client.get(DEPLOYMENTS, 'burn', { namespace: 'default' })).spec?.replicas === 1 ? true : undefined), loadSeconds * 1000 + 90_000, 'the burner to be scaled back to 1');
  const down = await client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=burn,reason=SuccessfulRescale' });
  assert.ok(down.items.some((e) => e.message === 'New size: 1; reason: All metrics below target'), down.items.map((e) => e.message).join(' | '));
});
