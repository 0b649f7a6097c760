// The node agent (our kubelet): registers the machine as a Node, keeps its Lease and status fresh, and runs the
// pods bound to it as runc containers. See pod-worker.ts for the per-pod reconcile.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import type { ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { NODES, PODS } from '../client/resources.js';
import { Controller } from '../controllers/framework/controller.js';
import { BridgeNetwork } from '../network/bridge-network.js';
import { ImageStore } from '../runtime/images/image-store.js';
import { enableCgroupFavorDynmods } from '../runtime/cgroup-favor-dynmods.js';
import { createPodNamespaces, removePodNamespaces } from '../runtime/pod-namespaces.js';
import { ContainerRuntime } from '../runtime/runtime.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { ContainerCache } from './container-cache.js';
import { identityOf } from './container-labels.js';
import { detectHostIP } from './host-address.js';
import { ImagePuller } from './image-puller.js';
import { readMachineFacts } from './machine.js';
import { NodeLease } from './node-lease.js';
import { buildNode } from './node-object.js';
import { NodeStatusReporter } from './node-status.js';
import { ApiObjectSource } from './object-source.js';
import { ensurePodCidr } from './pod-cidr.js';
import { PodPaths } from './pod-paths.js';
import { PodWorkers } from './pod-worker.js';
import { registerNode } from './register-node.js';
import { DEFAULT_AGENT_PORT, startAgentServer, type AgentServer } from './server/agent-server.js';
import { checkPrerequisites, prerequisiteReport } from './prerequisites.js';
import { probeLabel, ProbeManager } from './probe-manager.js';
import { mark } from './start-trace.js';

const execFileP = promisify(execFile);

/**
 * Pre-made pod sandboxes a node keeps ready by default (NodeAgentOptions.sandboxPoolSize): enough for a burst of
 * 20 pods (a scale-up) to skip the CNI plugins. An idle entry costs a network namespace, a bridge port and one
 * address of the node's /24, and is refilled at idle CPU priority.
 */
export const DEFAULT_SANDBOX_POOL_SIZE = 20;

/** Longest time an event waits for the pod starts in flight to finish. */
const EVENT_DEFER_MAX_MS = 1000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export interface NodeAgentOptions {
  client: ApiClient;
  nodeName: string;
  /** State directory of this node (runtime, images, pods, logs, network). */
  root: string;
  /** This node's pod range; default: node.spec.podCIDR, else a free /24 of 10.244.0.0/16 (see pod-cidr.ts). */
  podCidr?: string;
  /** InternalIP to report; default: the machine's first non-loopback IPv4 address. */
  nodeIP?: string;
  logger?: Logger;
  /** Cluster DNS servers for ClusterFirst pods; without them pods get the host's resolv.conf. */
  clusterDns?: string[];
  clusterDomain?: string;
  hostResolvConf?: string;
  insecureRegistries?: string[];
  labels?: Record<string, string>;
  maxPods?: number;
  pidsLimit?: number;
  /** Port of the agent's HTTPS endpoint (logs/exec/port-forward/stats); default 10250, 0 picks a free one. */
  agentPort?: number;
  /** Serve that endpoint (default true). */
  serveEndpoint?: boolean;
  crashBackoff?: Partial<BackoffOptions>;
  pullBackoff?: Partial<BackoffOptions>;
  leaseIntervalMs?: number;
  statusIntervalMs?: number;
  /** How often the runtime is relisted to notice exits (kubelet's PLEG: 1 s). */
  relistIntervalMs?: number;
  /** How often leftovers (containers, netns, rootfs of pods gone from the API) are cleaned up. */
  housekeepingIntervalMs?: number;
  workers?: number;
  /** Every pod is re-synced this often (and configMap/secret volumes rewritten); default 60 s. */
  resyncMs?: number;
  /** Pod sandboxes (and containers) set up at once; default 2 × CPUs. Other pod work is not limited. */
  startConcurrency?: number;
  /**
   * Pod sandboxes kept ready ahead of time (netns on the bridge with an address, IPC and UTS namespaces), so a
   * new pod skips the CNI plugins and `unshare`; refilled in the background at low priority when no pod is
   * being started. Default DEFAULT_SANDBOX_POOL_SIZE; 0 turns it off. Each waiting one holds an address of the
   * pod range and a bridge port.
   */
  sandboxPoolSize?: number;
  /** Grace for containers of pods that vanished from the API without a graceful delete. Default 2 s. */
  orphanGraceSeconds?: number;
  runcPath?: string;
  cniBinDir?: string;
  /** cgroup parent of the node's pods; default /stratus/<nodeName>. */
  cgroupParent?: string;
  /** Skip the root/runc/CNI checks (tests that already know). */
  skipPrerequisites?: boolean;
  /**
   * Turn on the kernel's cgroup favordynmods mode (machine-wide, until reboot): container starts no longer wait
   * for an RCU grace period when runc moves a process into its cgroups (≈ 10 ms each). Default true.
   */
  cgroupFavorDynmods?: boolean;
}

export class AgentPrerequisiteError extends Error {
  override readonly name = 'AgentPrerequisiteError';
}

export class NodeAgent {
  readonly nodeName: string;
  readonly paths: PodPaths;
  readonly runtime: ContainerRuntime;
  readonly images: ImageStore;
  network!: BridgeNetwork;
  hostIP = '';
  podCidr = '';
  private readonly logger: Logger;
  private readonly cache: ContainerCache;
  private readonly probes: ProbeManager;
  private readonly recorder: EventRecorder;
  private workers!: PodWorkers;
  private informer?: Informer<Pod>;
  private controller?: Controller;
  private lease?: NodeLease;
  private reporter?: NodeStatusReporter;
  private nodeUid: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private housekeeping?: Promise<void>;
  private relistError: string | undefined;
  private endpoint?: AgentServer;

  constructor(private readonly options: NodeAgentOptions) {
    this.nodeName = options.nodeName;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'agent', node: options.nodeName });
    this.paths = new PodPaths(options.root);
    this.runtime = new ContainerRuntime({
      root: this.paths.runtimeDir, ...(options.runcPath ? { runcPath: options.runcPath } : {}),
      backgroundGate: () => this.startsIdle(),
    });
    this.images = new ImageStore({ root: this.paths.imagesRoot });
    this.cache = new ContainerCache(this.runtime);
    // Events wait (at most a second) until no pod start is in flight: a burst of starts is not slowed by them.
    this.recorder = new EventRecorder(options.client, {
      component: 'kubelet', host: options.nodeName, logger: this.logger,
      gate: () => Promise.race([this.startsIdle(), delay(EVENT_DEFER_MAX_MS)]),
    });
    this.probes = new ProbeManager({
      onChange: (key) => this.controller?.enqueue(key),
      onFailure: (key, container, kind, message) => {
        const pod = this.informer?.get(key);
        if (pod) void this.recorder.warning(asPod(pod), 'Unhealthy', `${probeLabel(kind)} probe failed: ${message}`.slice(0, 1024));
        this.logger.debug({ pod: key, container, kind, message }, 'probe failed');
      },
    });
  }

  async start(): Promise<void> {
    const o = this.options;
    if (!o.skipPrerequisites) {
      const report = prerequisiteReport(await checkPrerequisites({ ...(o.runcPath ? { runcPath: o.runcPath } : {}), ...(o.cniBinDir ? { cniBinDir: o.cniBinDir } : {}) }));
      if (report) throw new AgentPrerequisiteError(report);
    }
    await mkdir(o.root, { recursive: true, mode: 0o700 });
    if (o.cgroupFavorDynmods ?? true) {
      const outcome = await enableCgroupFavorDynmods();
      if (outcome.state === 'unsupported') this.logger.info({ reason: outcome.reason }, 'cgroup favordynmods not available (kernel older than 6.0?); container starts take an RCU grace period longer');
      else this.logger.debug({ outcome }, 'cgroup favordynmods on');
    }
    const runcVersion = await execFileP(o.runcPath ?? 'runc', ['--version']).then((r) => /runc version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown', () => 'unknown');
    const facts = readMachineFacts(o.root, `runc://${runcVersion}`);
    this.hostIP = detectHostIP(o.nodeIP);
    // The endpoint for logs, exec, port-forward and stats (API server only): up before registration, so the
    // Node carries its real port.
    if (o.serveEndpoint ?? true) {
      if (!o.client.config.caData) throw new Error('the agent kubeconfig has no certificate-authority-data: the agent endpoint needs the cluster CA');
      this.endpoint = await startAgentServer({
        nodeName: this.nodeName, runtime: this.runtime, clientCa: o.client.config.caData,
        host: '0.0.0.0', port: o.agentPort ?? DEFAULT_AGENT_PORT, logger: this.logger,
      });
    }
    const kib = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;
    const desired = buildNode({
      name: this.nodeName,
      cpu: String(facts.cpus),
      memory: kib(facts.memoryBytes),
      pods: o.maxPods ?? 110,
      ephemeralStorage: kib(facts.ephemeralStorageBytes),
      internalIP: this.hostIP,
      hostname: this.nodeName,
      nodeInfo: facts.nodeInfo,
      agentPort: this.endpoint?.port ?? 0,
      ...(o.labels ? { labels: o.labels } : {}),
    });
    const node = await registerNode(o.client, desired);
    this.nodeUid = node.metadata?.uid;
    this.podCidr = await ensurePodCidr(o.client, node, o.podCidr);
    this.network = new BridgeNetwork({
      nodeName: this.nodeName, podCidr: this.podCidr, stateDir: this.paths.networkDir,
      poolSize: o.sandboxPoolSize ?? DEFAULT_SANDBOX_POOL_SIZE,
      // A pool entry is a whole pod sandbox: netns, IPC and UTS namespaces from one low-priority `unshare`.
      makePoolNetns: async (poolId, netnsPath) => {
        await createPodNamespaces(this.paths.poolNamespacesDir(poolId), undefined, netnsPath, { lowPriority: true });
      },
      poolRefillGate: () => this.startsIdle(),
      ...(o.cniBinDir ? { cniBinDir: o.cniBinDir } : {}),
    });
    this.logger.info({ podCidr: this.podCidr, hostIP: this.hostIP }, 'node registered');

    this.lease = new NodeLease(o.client, this.nodeName, () => this.nodeUid, this.logger);
    await this.lease.renew();
    this.every(o.leaseIntervalMs ?? 10_000, async () => this.lease!.renew());
    this.reporter = new NodeStatusReporter(o.client, this.nodeName, o.root, this.images, this.logger);
    await this.reportStatus();
    this.every(o.statusIntervalMs ?? 10_000, () => this.reportStatus());

    await this.cache.refresh();
    const crash = new Backoff({ ...DEFAULT_BACKOFF, ...o.crashBackoff });
    const pull = new Backoff({ ...DEFAULT_BACKOFF, ...o.pullBackoff });
    const objects = new ApiObjectSource(o.client);
    this.workers = new PodWorkers({
      client: o.client,
      nodeName: this.nodeName,
      hostIP: this.hostIP,
      runtime: this.runtime,
      images: this.images,
      puller: new ImagePuller({ images: this.images, objects, recorder: this.recorder, insecureRegistries: o.insecureRegistries ?? [], logger: this.logger }),
      network: this.network,
      paths: this.paths,
      objects,
      recorder: this.recorder,
      probes: this.probes,
      cache: this.cache,
      crashBackoff: crash,
      pullBackoff: pull,
      dns: { clusterDns: o.clusterDns ?? [], clusterDomain: o.clusterDomain ?? 'cluster.local', hostResolvConf: o.hostResolvConf ?? '/etc/resolv.conf' },
      cgroupParent: o.cgroupParent ?? `/stratus/${this.nodeName}`,
      nodeCpuMilli: facts.cpus * 1000,
      nodeMemoryBytes: facts.memoryBytes,
      ...(o.pidsLimit ? { pidsLimit: o.pidsLimit } : {}),
      orphanGraceSeconds: o.orphanGraceSeconds ?? 2,
      startConcurrency: o.startConcurrency ?? Math.max(2, 2 * facts.cpus),
      volumeRefreshMs: o.resyncMs ?? 60_000,
      logger: this.logger,
    });
    await this.workers.loadKnown();

    // The resync re-syncs every pod now and then: volume contents follow their ConfigMaps and Secrets.
    this.informer = new Informer(o.client, PODS, { fieldSelector: `spec.nodeName=${this.nodeName}`, logger: this.logger, resyncMs: o.resyncMs ?? 60_000 });
    this.controller = new Controller({
      name: `agent-${this.nodeName}`,
      workers: o.workers ?? 16,
      logger: this.logger,
      queue: { baseDelayMs: 200, maxDelayMs: 30_000 },
      reconcile: async (key) => {
        const cached = this.informer!.get(key);
        return this.workers.sync(key, cached ? asPod(cached) : undefined);
      },
    });
    this.controller.watch(this.informer);
    this.informer.addHandlers({ onAdd: (p) => mark(p.metadata!.name!, 'watch') });
    await this.controller.start();
    // Pods gone while we were away: their keys are not in the informer, so queue them from what is on disk.
    this.housekeeping = this.cleanOrphans().catch((err) => this.logger.warn({ err: (err as Error).message }, 'orphan cleanup failed'));
    // Leftover pool entries of an earlier run: their networks are collected by cleanOrphans (network.gc), their
    // IPC/UTS namespaces here; new ones fill up now.
    await this.removePoolNamespaces();
    this.network.startPool();
    this.every(o.relistIntervalMs ?? 1000, () => this.relist());
    this.every(o.housekeepingIntervalMs ?? 30_000, () => this.cleanOrphans());
    this.logger.info({ pods: this.informer.keys().length, containers: this.cache.all().length }, 'agent started');
  }

  /** Stops the agent's loops; containers keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.probes.stopAll();
    await this.controller?.stop();
    await this.informer?.stop();
    await this.housekeeping;
    await this.network?.closePool();
    await this.removePoolNamespaces();
    await this.endpoint?.close();
    this.runtime.close();
  }

  /** IPC/UTS namespaces of pool entries nobody claimed (claimed ones were moved to their pod's directory). */
  private async removePoolNamespaces(): Promise<void> {
    for (const id of await readdir(this.paths.poolDir).catch(() => [] as string[])) {
      const dir = this.paths.poolNamespacesDir(id);
      await removePodNamespaces(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Tests and node decommissioning: removes every pod trace, the bridge and the node's cgroups. */
  async purge(): Promise<void> {
    await this.stop();
    for (const uid of this.workers?.knownUids() ?? []) await this.workers.teardown(uid, 0).catch(() => undefined);
    for (const c of await this.runtime.list()) {
      await this.runtime.remove(c.id).catch(() => undefined);
      await this.images.removeRootfs(c.id).catch(() => undefined);
    }
    for (const id of await this.images.rootfsIds()) await this.images.removeRootfs(id).catch(() => undefined);
    await this.network?.destroy().catch(() => undefined);
    await this.runtime.removeCgroup(this.options.cgroupParent ?? `/stratus/${this.nodeName}`).catch(() => undefined);
  }

  /** Resolves once no pod start is in flight: what background work (refills, shim forks, events) waits for. */
  private startsIdle(): Promise<void> {
    return this.workers?.whenStartsIdle() ?? Promise.resolve();
  }

  /** The pod worker's reconcile, for a pod key (namespace/name), e.g. after an external change. */
  enqueue(key: string): void {
    this.controller?.enqueue(key);
  }

  private every(ms: number, work: () => Promise<unknown>): void {
    const loop = (): void => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        work().catch((err) => this.logger.warn({ err: (err as Error).message }, 'periodic task failed')).finally(loop);
      }, ms);
      this.timers.push(t);
      if (this.timers.length > 64) this.timers.splice(0, this.timers.length - 16);
    };
    loop();
  }

  private async reportStatus(): Promise<void> {
    const node: Node | undefined = await this.options.client.get(NODES, this.nodeName).catch(() => undefined);
    if (node?.metadata?.uid) this.nodeUid = node.metadata.uid;
    await this.reporter!.report(node, this.health());
  }

  /** Ready unless the runtime could not be listed lately (kubelet's "container runtime is down"). */
  private health(): { ready: boolean; message: string } {
    if (!this.relistError) return { ready: true, message: '' };
    return { ready: false, message: `container runtime is down: ${this.relistError}` };
  }

  private async relist(): Promise<void> {
    let changed: Set<string>;
    try {
      changed = await this.cache.refresh();
      this.relistError = undefined;
    } catch (err) {
      this.relistError = (err as Error).message;
      throw err;
    }
    for (const uid of changed) {
      const key = this.workers.keyOfUid(uid) ?? this.keyFromContainers(uid);
      if (key) this.controller?.enqueue(key);
    }
    this.probes.retain(new Set(this.cache.all().filter((c) => c.state === 'running').map((c) => c.id)));
  }

  private keyFromContainers(uid: string): string | undefined {
    const c = this.cache.ofPod(uid)[0];
    const id = c ? identityOf(c) : undefined;
    return id ? `${id.namespace}/${id.podName}` : undefined;
  }

  /** Tears down pods this node knows of that are no longer bound to it, then collects stray network state. */
  private async cleanOrphans(): Promise<void> {
    const live = new Set(this.informer!.list().map((p) => p.metadata?.uid).filter((u): u is string => !!u));
    for (const uid of this.workers.knownUids()) {
      if (live.has(uid)) continue;
      const key = this.workers.keyOfUid(uid);
      if (key && this.informer!.get(key)?.metadata?.uid === uid) continue;
      this.logger.info({ uid, key }, 'cleaning up a pod that is no longer bound here');
      await this.workers.teardown(uid, this.options.orphanGraceSeconds ?? 2);
    }
    // Containers whose pod identity we cannot read, and rootfs without container: leftovers of crashes.
    for (const c of this.cache.all()) {
      const id = identityOf(c);
      if (!id || !live.has(id.podUid)) {
        if (id && this.workers.knownUids().includes(id.podUid)) continue;
        await this.runtime.stop(c.id, 0).catch(() => undefined);
        await this.runtime.remove(c.id).catch(() => undefined);
        await this.images.removeRootfs(c.id).catch(() => undefined);
        this.cache.forget(c.id);
      }
    }
    const containerIds = new Set((await this.runtime.list()).map((c) => c.id));
    for (const id of await this.images.rootfsIds()) {
      if (!containerIds.has(id) && !live.has(id.split('_')[0]!)) await this.images.removeRootfs(id).catch(() => undefined);
    }
    await this.network.gc(live);
  }
}

/** Objects from lists carry no kind; events and status writes need it. */
function asPod(pod: Pod): Pod {
  return pod.kind ? pod : { apiVersion: 'v1', kind: 'Pod', ...pod };
}

