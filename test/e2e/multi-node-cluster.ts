// Test fixture: a real multi-node cluster on this machine. One `stratus server` child process (with any extra
// flags), two or three `stratus agent` child processes (distinct node names, roots and pod ranges; real runc and
// CNI bridges), and a registry holding the busybox/httpd test images. The host reaches every node's bridge, so
// tests can talk to pods by pod IP. stop() removes every trace: processes, containers (runc per root), mounts,
// network namespaces, bridges, cgroups and temp dirs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { NODES, PODS } from '../../src/client/resources.js';
import { purgeNode, removeNodeContainers } from '../fixtures/node-leftovers.js';
import { startRegistry, type TestRegistry } from '../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../fixtures/test-images.js';
import { freePort, KUBECTL, REPO_ROOT, run, type CommandResult } from './harness.js';

const STRATUS = join(REPO_ROOT, 'bin/stratus.js');

export interface ClusterNode {
  readonly name: string;
  readonly root: string;
  readonly podCidr: string;
  /** Is the agent process alive? */
  readonly running: boolean;
  /** The agent's stderr so far (JSON logs). */
  logs(): string;
  /** Starts the agent process (again) and waits until its Node is Ready with a fresh heartbeat. */
  start(): Promise<void>;
  /** SIGKILL the agent process (its containers keep running). */
  kill(): Promise<void>;
  /** Kills and deletes every container of this node with runc, unmounts its filesystems, removes its netns. */
  destroyContainers(): Promise<void>;
  /** Container ids runc knows under this node's root. */
  runcIds(): string[];
}

export interface MultiNodeCluster {
  dir: string;
  kubeconfig: string;
  client: ApiClient;
  registry: TestRegistry;
  images: TestImages;
  nodes: ClusterNode[];
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  kubectlOk(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  serverLogs(): string;
  /** Server and agent logs (tails), for assertion messages. */
  diagnostics(): string;
  /** Runs `fn`; if it throws, prints the cluster's pods, ReplicaSets, events and logs before rethrowing. */
  explainFailure<T>(fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface MultiNodeClusterOptions {
  agents?: number;
  /** Extra `stratus server` flags, e.g. ['--node-monitor-grace-period', '4']. */
  serverArgs?: string[];
  /** Extra `stratus agent` flags for every agent. */
  agentArgs?: string[];
}

/** Thrown from a waitFor probe: stop waiting at once (e.g. the process being waited for exited). */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw new Error(`${what}: ${err.message}${context ? `\n${context()}` : ''}`);
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}${context ? `\n${context()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CIDR_LOCKS = join(tmpdir(), 'stratus-test-pod-cidrs');

function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Claims a lock file for a pod range, so clusters of test files running at the same time never share one. */
function claimCidr(cidr: string): boolean {
  const lock = join(CIDR_LOCKS, cidr.replace('/', '_'));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8').trim() || 'NaN');
      if (Number.isInteger(owner) && processAlive(owner)) return false;
      rmSync(lock, { force: true }); // left by a test process that died
    }
  }
  return false;
}

function releaseCidrs(cidrs: string[]): void {
  for (const cidr of cidrs) rmSync(join(CIDR_LOCKS, cidr.replace('/', '_')), { force: true });
}

/** Free /24s in 10.244.150-199: no route on the machine and no other test process holding them. */
function claimPodCidrs(count: number): string[] {
  mkdirSync(CIDR_LOCKS, { recursive: true });
  const out: string[] = [];
  for (let attempt = 0; out.length < count && attempt < 200; attempt++) {
    const cidr = `10.244.${150 + Math.floor(Math.random() * 50)}.0/24`;
    if (out.includes(cidr) || execFileSync('ip', ['route', 'show', cidr], { encoding: 'utf8' }).trim()) continue;
    if (claimCidr(cidr)) out.push(cidr);
  }
  if (out.length < count) {
    releaseCidrs(out);
    throw new Error('no free pod ranges in 10.244.150-199.0/24 for the test cluster');
  }
  return out;
}

function isNodeReady(node: Node | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

async function startServer(dir: string, extraArgs: string[]): Promise<{ child: ChildProcess; kubeconfig: string; client: ApiClient; logs: () => string }> {
  const dataDir = join(dir, 'plane');
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  const port = await freePort();
  const child = spawn(process.execPath, [STRATUS, 'server', '--data-dir', dataDir, '--port', String(port), '--log-level', 'info', ...extraArgs], {
    cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { logs = (logs + d).slice(-300_000); });
  let client: ApiClient | undefined;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new GiveUp(`stratus server exited with ${child.exitCode}:\n${logs.slice(-3000)}`);
      if (!client && existsSync(kubeconfig)) client = ApiClient.fromKubeconfig(kubeconfig, { timeoutMs: 5000 });
      return client ? String(await client.request<string>('GET', '/readyz')).trim() === 'ok' : false;
    }, 30_000, 'stratus server /readyz', () => logs.slice(-3000));
  } catch (err) {
    client?.close();
    await stopChild(child, 'SIGKILL');
    throw err;
  }
  return { child, kubeconfig, client: client!, logs: () => logs };
}

class AgentProcess implements ClusterNode {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly name: string, readonly root: string, readonly podCidr: string, private readonly kubeconfig: string,
    private readonly client: ApiClient, private readonly extraArgs: string[]) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`agent ${this.name} is already running`);
    const startedAt = Date.now();
    const child = spawn(process.execPath, [STRATUS, 'agent', '--kubeconfig', this.kubeconfig, '--node-name', this.name, '--root', this.root,
      '--pod-cidr', this.podCidr, '--agent-port', '0', '--log-level', 'info', ...this.extraArgs], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.output = (this.output + d).slice(-200_000); });
    await waitFor(async () => {
      if (child.exitCode !== null) throw new GiveUp(`agent ${this.name} exited with ${child.exitCode}`);
      const node = await this.client.get(NODES, this.name);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      return isNodeReady(node) && Date.parse(ready?.lastHeartbeatTime ?? '') >= startedAt - 1000 && this.output.includes('agent started');
    }, 60_000, `agent ${this.name} to register Ready`, () => this.output.slice(-3000));
  }

  async kill(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGKILL');
  }

  async stopGracefully(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGTERM');
  }

  runcIds(): string[] {
    const runcRoot = join(this.root, 'runtime', 'runc');
    if (!existsSync(runcRoot)) return [];
    return execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  async destroyContainers(): Promise<void> {
    await removeNodeContainers(this.root, this.name);
  }

  /** Everything of this node: containers, mounts, netns, veths and bridge, cgroups. */
  async purge(): Promise<void> {
    await this.kill();
    await purgeNode(this.root, this.name, this.podCidr);
  }
}

export async function startMultiNodeCluster(options: MultiNodeClusterOptions = {}): Promise<MultiNodeCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-cluster-'));
  const [serverStart, registryStart] = await Promise.allSettled([startServer(dir, options.serverArgs ?? []), startRegistry()]);
  if (serverStart.status === 'rejected' || registryStart.status === 'rejected') {
    if (serverStart.status === 'fulfilled') { serverStart.value.client.close(); await stopChild(serverStart.value.child, 'SIGKILL'); }
    if (registryStart.status === 'fulfilled') await registryStart.value.stop();
    rmSync(dir, { recursive: true, force: true });
    throw serverStart.status === 'rejected' ? serverStart.reason : (registryStart as PromiseRejectedResult).reason;
  }
  const server = serverStart.value;
  const registry = registryStart.value;
  let cidrs: string[] = [];
  const agents: AgentProcess[] = [];
  let images: TestImages;
  const id = Math.random().toString(36).slice(2, 7);

  const kubectlArgs = (args: string[]): string[] => ['--kubeconfig', server.kubeconfig, '--cache-dir', join(dir, 'kcache'), ...args];
  const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> =>
    run(KUBECTL, kubectlArgs(args), { ...o, env: { ...process.env, HOME: dir, KUBECONFIG: server.kubeconfig } });
  const diagnostics = (): string => [
    `--- server ---\n${server.logs().slice(-4000)}`,
    ...agents.map((a) => `--- agent ${a.name} ---\n${a.logs().slice(-3000)}`),
  ].join('\n');

  const stop = async (): Promise<void> => {
    // The cluster's API state is thrown away with it: kill the agents and remove what they left on the machine.
    await Promise.all(agents.map((a) => a.purge()));
    releaseCidrs(cidrs);
    server.client.close();
    await stopChild(server.child, 'SIGTERM');
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    images = await buildTestImages(registry.host);
    cidrs = claimPodCidrs(options.agents ?? 3);
    for (const [i, cidr] of cidrs.entries()) {
      agents.push(new AgentProcess(`o${id}-${String.fromCharCode(97 + i)}`, join(dir, `node-${i}`), cidr, server.kubeconfig, server.client, options.agentArgs ?? []));
    }
    await Promise.all(agents.map((a) => a.start()));
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    dir, kubeconfig: server.kubeconfig, client: server.client, registry, images, nodes: agents,
    kubectl,
    async kubectlOk(args, o) {
      const result = await kubectl(args, o);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      return result.stdout;
    },
    serverLogs: server.logs,
    diagnostics,
    async explainFailure(fn) {
      try {
        return await fn();
      } catch (err) {
        const state = await kubectl(['get', 'nodes,deployments,replicasets,pods,events', '-o', 'wide'], { timeoutMs: 15_000 }).catch((e: Error) => ({ stdout: e.message, stderr: '' }));
        const restarted = ((await server.client.list(PODS, { namespace: 'default' }).catch(() => ({ items: [] as Pod[] }))).items as Pod[])
          .filter((p) => p.status?.containerStatuses?.some((c) => c.restartCount > 0));
        const previous = await Promise.all(restarted.map(async (p) => {
          const r = await kubectl(['logs', '--previous', '--all-containers', p.metadata!.name!], { timeoutMs: 10_000 }).catch((e: Error) => ({ stdout: '', stderr: e.message }));
          return `--- previous logs of ${p.metadata!.name} (last state ${JSON.stringify(p.status?.containerStatuses?.[0]?.lastState)}) ---\n${r.stdout}${r.stderr}`;
        }));
        console.error(`cluster state at failure:\n${state.stdout}${state.stderr}\n${previous.join('\n')}\n${diagnostics()}`);
        throw err;
      }
    },
    stop,
  };
}

/** Ready and not terminating: what an endpoints controller would send traffic to. */
export function isServing(pod: Pod): boolean {
  return !pod.metadata?.deletionTimestamp && !!pod.status?.podIP
    && (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

export async function listPods(client: ApiClient, labelSelector: string): Promise<Pod[]> {
  return (await client.list(PODS, { namespace: 'default', labelSelector })).items as Pod[];
}
