// Test fixture: a real control plane (temp dir), a real registry with the busybox/httpd test images, and a
// real node agent (runc, CNI bridge) on a unique node name. cleanup() removes every trace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { NodeAgent, type NodeAgentOptions } from '../../src/agent/agent.js';
import { ApiClient, isNotFound } from '../../src/client/api-client.js';
import { PODS } from '../../src/client/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/controlplane/control-plane.js';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../fixtures/test-images.js';

export interface AgentFixture {
  dir: string;
  plane: ControlPlane;
  client: ApiClient;
  registry: TestRegistry;
  images: TestImages;
  agent: NodeAgent;
  nodeName: string;
  agentOptions: NodeAgentOptions;
  /** Starts a new agent on the same node and root (after stopping or killing the old one). */
  restartAgent(): Promise<NodeAgent>;
  createPod(pod: Pod): Promise<Pod>;
  getPod(name: string): Promise<Pod | undefined>;
  waitPod(name: string, ok: (pod: Pod) => boolean, timeoutMs?: number, what?: string): Promise<Pod>;
  deletePod(name: string, timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function testNodeName(): string {
  return `n${Math.random().toString(36).slice(2, 9)}`;
}

export async function startAgentFixture(extra: Partial<NodeAgentOptions> = {}): Promise<AgentFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-agent-test-'));
  const logger = pino({ level: process.env.STRATUS_TEST_LOG ?? 'silent' });
  const undo: Array<() => Promise<unknown> | unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    return await build(dir, logger, extra, undo);
  } catch (err) {
    for (const step of undo.reverse()) await Promise.resolve().then(step).catch(() => undefined);
    throw err;
  }
}

async function build(dir: string, logger: Logger, extra: Partial<NodeAgentOptions>, undo: Array<() => Promise<unknown> | unknown>): Promise<AgentFixture> {
  const plane = await startControlPlane({ dataDir: join(dir, 'plane'), port: 0, logger });
  undo.push(() => plane.close());
  const client = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  undo.push(() => client.close());
  const registry = await startRegistry();
  undo.push(() => registry.stop());
  const images = await buildTestImages(registry.host);
  const nodeName = testNodeName();
  const agentOptions: NodeAgentOptions = {
    client: ApiClient.fromKubeconfig(plane.kubeconfigPath, { userAgent: 'stratus-agent-test' }),
    nodeName,
    root: join(dir, 'node'),
    logger,
    crashBackoff: { baseMs: 1000, maxMs: 4000 },
    pullBackoff: { baseMs: 1000, maxMs: 4000 },
    relistIntervalMs: 500,
    housekeepingIntervalMs: 5000,
    resyncMs: 2000,
    agentPort: 0,
    ...extra,
  };
  undo.push(() => agentOptions.client.close());
  let agent = new NodeAgent(agentOptions);
  undo.push(() => agent.purge());
  await agent.start();
  const fx: AgentFixture = {
    dir, plane, client, registry, images, nodeName, agentOptions,
    get agent() { return agent; },
    async restartAgent() {
      agent = new NodeAgent(agentOptions);
      await agent.start();
      return agent;
    },
    createPod: (pod) => client.create(PODS, { apiVersion: 'v1', kind: 'Pod', ...pod, spec: { nodeName, ...pod.spec! } }, { namespace: 'default' }),
    getPod: (name) => client.get(PODS, name, { namespace: 'default' }).catch((err) => { if (isNotFound(err)) return undefined; throw err; }),
    waitPod: (name, ok, timeoutMs = 30_000, what = `pod ${name}`) =>
      waitFor(async () => { const p = await fx.getPod(name); return p && ok(p) ? p : undefined; }, timeoutMs, what),
    async deletePod(name, timeoutMs = 30_000) {
      await client.delete(PODS, name, { namespace: 'default' }).catch((err) => { if (!isNotFound(err)) throw err; });
      await waitFor(async () => (await fx.getPod(name)) === undefined, timeoutMs, `pod ${name} to be gone`);
    },
    async cleanup() {
      const pods = await client.list(PODS, { namespace: 'default' }).catch(() => ({ items: [] as Pod[] }));
      await Promise.all(pods.items.map((p) => client.delete(PODS, p.metadata!.name!, { namespace: 'default', gracePeriodSeconds: 0 }).catch(() => undefined)));
      await agent.purge().catch(() => undefined);
      agentOptions.client.close();
      client.close();
      await plane.close();
      await registry.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fx;
}

/** The pod's container status by name. */
export function containerStatus(pod: Pod, name: string) {
  return pod.status?.containerStatuses?.find((c) => c.name === name) ?? pod.status?.initContainerStatuses?.find((c) => c.name === name);
}

export function conditionOf(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}
