// The heart of the agent: brings one pod's containers in line with its spec (kubelet's syncPod). Level-
// triggered and restartable: everything it needs is in the pod, the runtime's containers (their labels) and
// the files under the agent root, so running it twice, or after a crash, converges to the same state.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { PODS } from '../client/resources.js';
import type { BridgeNetwork, PodAttachment, PortMapping } from '../network/bridge-network.js';
import { createNetns, NETNS_DIR, netnsPath as netnsPathOf } from '../network/netns.js';
import { ImageError } from '../runtime/images/errors.js';
import type { ImageInfo } from '../runtime/images/image-info.js';
import type { ImageStore } from '../runtime/images/image-store.js';
import type { OverlaySpec } from '../runtime/images/overlay-mount.js';
import { readLogs } from '../runtime/log-reader.js';
import { createPodNamespaces, isSharedMountPoint, removePodNamespaces, type PodNamespaces } from '../runtime/pod-namespaces.js';
import type { ContainerRuntime, ContainerStatus } from '../runtime/runtime.js';
import { readJsonFile } from '../runtime/state-files.js';
import type { Backoff } from './backoff.js';
import type { ContainerCache } from './container-cache.js';
import {
  containerIdFor, identityOf, LABEL_ATTEMPT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_GRACE, LABEL_IMAGE,
  LABEL_IMAGE_ID, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_TERMINATION_LOG, type ContainerKind,
} from './container-labels.js';
import { buildContainerConfig } from './container-spec.js';
import { resolveArgs, resolveEnv, type FieldContext } from './env.js';
import { hostsFile, podHostname, writeEtcFiles, type DnsSettings, type EtcFiles } from './etc-files.js';
import type { ImagePuller } from './image-puller.js';
import { ContainerConfigError, type ObjectSource } from './object-source.js';
import type { PodPaths } from './pod-paths.js';
import { attemptOf, computePodStatus, isTerminated, jsonEqual, succeeded, type ContainerView, type Waiting } from './pod-status.js';
import { probeLabel, type ProbeManager } from './probe-manager.js';
import { runAction, TextSink, type ProbeTarget } from './prober.js';
import { prepareVolumes, removeVolumes, type PreparedVolume } from './volumes.js';
import { Semaphore } from './semaphore.js';
import { mark } from './start-trace.js';

export interface PodWorkerDeps {
  client: ApiClient;
  nodeName: string;
  hostIP: string;
  runtime: ContainerRuntime;
  images: ImageStore;
  puller: ImagePuller;
  network: BridgeNetwork;
  paths: PodPaths;
  objects: ObjectSource;
  recorder: EventRecorder;
  probes: ProbeManager;
  cache: ContainerCache;
  crashBackoff: Backoff;
  pullBackoff: Backoff;
  dns: DnsSettings;
  /** cgroup parent of this node's pods, e.g. /stratus/node-1. */
  cgroupParent: string;
  nodeCpuMilli: number;
  nodeMemoryBytes: number;
  pidsLimit?: number;
  /** How often configMap/secret/downwardAPI volume contents are rewritten from their sources. */
  volumeRefreshMs: number;
  /** Pod sandboxes, and containers, being set up at once (CPU-bound). */
  startConcurrency: number;
  /** Grace given to containers of pods that vanished from the API (force-deleted). */
  orphanGraceSeconds: number;
  logger: Logger;
}

interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
}

interface Sandbox {
  /** Known once `network` resolves. */
  podIP?: string;
  network: Promise<PodAttachment>;
  /** `network` has resolved (and /etc/hosts has the IP): containers can start in one step. */
  networkReady?: boolean;
  netnsPath: string;
  /** Only for hostPID pods; otherwise each container has its own PID namespace. */
  pid?: string;
  ipc: string;
  uts: string;
  etc: EtcFiles;
  volumes: Map<string, PreparedVolume>;
  /** When configMap/secret/downwardAPI volume contents were last written. */
  volumesAt: number;
}

/**
 * The host's namespaces, joined by hostNetwork / hostIPC / hostPID pods: the agent's own (PID 1's may be out of
 * reach, e.g. in a VM sandbox, and the agent's are the node's by definition).
 */
const HOST_NS = {
  network: `/proc/${process.pid}/ns/net`, ipc: `/proc/${process.pid}/ns/ipc`, uts: `/proc/${process.pid}/ns/uts`, pid: `/proc/${process.pid}/ns/pid`,
};

const TERMINATION_MESSAGE_MAX = 4096;
const FALLBACK_LOG_LINES = 80;

export interface SyncResult {
  requeueAfterMs?: number;
}

export class PodWorkers {
  /** Pods known on this node by uid (from pod.json files and container labels): finds leftovers by key. */
  private readonly known = new Map<string, PodRecord>();
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly waiting = new Map<string, Waiting & { at: Date }>();
  private readonly lastStatus = new Map<string, PodStatus>();
  private readonly messages = new Map<string, string>();
  private readonly terminating = new Set<string>();
  private readonly startEvents = new Map<string, Array<() => void>>();
  private readonly released = new Set<string>();
  private readonly sandboxSlots: Semaphore;
  private starting = 0;
  private startsIdle: Array<() => void> = [];
  private readonly createSlots: Semaphore;

  constructor(private readonly d: PodWorkerDeps) {
    this.sandboxSlots = new Semaphore(d.startConcurrency);
    this.createSlots = new Semaphore(d.startConcurrency);
  }

  /** Loads what a previous run left: pod records on disk and pod identities on containers. */
  async loadKnown(): Promise<void> {
    for (const uid of await readdir(this.d.paths.podsDir).catch(() => [] as string[])) {
      const rec = readJsonFile<PodRecord>(this.d.paths.podRecord(uid));
      this.known.set(uid, rec ?? { uid, namespace: '', name: '' });
    }
    for (const c of this.d.cache.all()) {
      const id = identityOf(c);
      if (id && !this.known.has(id.podUid)) this.known.set(id.podUid, { uid: id.podUid, namespace: id.namespace, name: id.podName });
    }
    for (const podId of await this.d.network.knownAttachments()) {
      if (!this.known.has(podId)) this.known.set(podId, { uid: podId, namespace: '', name: '' });
    }
  }

  /** Resolves once no pod sandbox or container is being set up (background work waits for this). */
  whenStartsIdle(): Promise<void> {
    if (this.starting === 0) return Promise.resolve();
    return new Promise((resolve) => this.startsIdle.push(resolve));
  }

  /** Counts a sandbox or container set-up in flight (see whenStartsIdle); returns its end. */
  private beginStart(): () => void {
    this.starting++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.starting === 0) for (const resolve of this.startsIdle.splice(0)) resolve();
    };
  }

  knownUids(): string[] {
    return [...this.known.keys()];
  }

  keyOfUid(uid: string): string | undefined {
    const rec = this.known.get(uid);
    return rec?.name ? `${rec.namespace}/${rec.name}` : undefined;
  }

  /** Reconciles `key` (namespace/name): the pod as the cache has it, or undefined when it is gone. */
  async sync(key: string, pod: Pod | undefined): Promise<SyncResult> {
    mark(key.split('/')[1]!, 'sync');
    const uid = pod?.metadata?.uid;
    // Leftovers of an earlier pod with this name (deleted, or recreated with a new uid).
    for (const rec of [...this.known.values()]) {
      if (rec.uid !== uid && `${rec.namespace}/${rec.name}` === key) await this.teardown(rec.uid, this.d.orphanGraceSeconds);
    }
    if (!pod || !uid) return {};
    if (pod.spec?.nodeName !== this.d.nodeName) {
      if (this.known.has(uid)) await this.teardown(uid, this.d.orphanGraceSeconds);
      return {};
    }
    if (pod.metadata?.deletionTimestamp) return this.terminate(pod);
    const phase = this.lastStatus.get(uid)?.phase ?? pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && !this.hasRunning(uid)) {
      // Finished (maybe before an agent restart): nothing runs again; the network goes, logs stay.
      if (!this.released.has(uid)) await this.releaseSandbox(uid);
      return {};
    }
    try {
      return await this.run(pod);
    } finally {
      for (const emit of this.startEvents.get(uid)?.splice(0) ?? []) emit();
      this.startEvents.delete(uid);
    }
  }

  /** Created/Started events wait for the pod's status write: the API server takes the status first. */
  private afterStatus(uid: string, emit: () => void): void {
    const list = this.startEvents.get(uid);
    if (list) list.push(emit);
    else this.startEvents.set(uid, [emit]);
  }

  private hasRunning(uid: string): boolean {
    return this.d.cache.ofPod(uid).some((c) => c.state === 'running' || c.state === 'created');
  }

  // ---- running a pod ----

  private async run(pod: Pod): Promise<SyncResult> {
    const uid = pod.metadata!.uid!;
    const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    // Exits reach the cache through the relist (PLEG); no runtime calls for pods that are fine.
    let containers = this.d.cache.ofPod(uid);
    const result: SyncResult = {};
    const requeue = (ms: number): void => {
      result.requeueAfterMs = Math.max(50, Math.min(result.requeueAfterMs ?? Infinity, ms));
    };

    // The sandbox is made while images are checked and root filesystems mounted; containers wait for it.
    const sandboxReady = this.ensureSandbox(pod);
    sandboxReady.catch(() => undefined);

    // Liveness/startup probe failures: stop the container; the restart policy decides what follows.
    // A changed image (the one mutable container field): stop it and start the new one at once.
    const changed = new Set<string>();
    await Promise.all(containers.filter((c) => c.state === 'running' && identityOf(c)?.kind === 'app').map(async (c) => {
      const name = identityOf(c)!.name;
      const spec = pod.spec?.containers.find((x) => x.name === name);
      const failed = this.d.probes.failed(c.id);
      const imageChanged = spec !== undefined && c.labels[LABEL_IMAGE] !== undefined && c.labels[LABEL_IMAGE] !== spec.image;
      if (!failed && !imageChanged) return;
      if (imageChanged) changed.add(name);
      const why = imageChanged ? 'definition changed' : `failed ${failed} probe`;
      void this.d.recorder.normal(pod, 'Killing', `Container ${name} ${why}, will be restarted`);
      this.d.probes.stop(c.id);
      await this.stopContainer(pod, c, this.graceOf(pod));
    }));
    containers = this.d.cache.ofPod(uid);

    // activeDeadlineSeconds: past it, every container stops and the pod fails (kubelet's DeadlineExceeded).
    const deadline = pod.spec?.activeDeadlineSeconds;
    const startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
    if (deadline !== undefined && startTime !== undefined) {
      const left = startTime + deadline * 1000 - Date.now();
      if (left <= 0) {
        void this.d.recorder.normal(pod, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
        await Promise.all(this.d.cache.ofPod(uid).filter((c) => c.state === 'running' || c.state === 'created').map((c) => this.stopContainer(pod, c, this.graceOf(pod))));
        this.d.probes.stopPod(uid);
        const sandbox = await sandboxReady.catch(() => undefined);
        await sandbox?.network.catch(() => undefined); // let a set-up in flight finish before releasing it
        await this.writeStatus(pod, this.views(pod, this.d.cache.ofPod(uid)), sandbox?.podIP, false, true);
        await this.releaseSandbox(uid);
        return result;
      }
      requeue(left);
    }

    // Tell the API at once that containers are being created when an image has to come from a registry.
    if (!pod.status?.containerStatuses && !this.lastStatus.has(uid) && containers.length === 0) {
      const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
      const missing = await Promise.all(specs.map(async (c) => c.imagePullPolicy === 'Always' || !(await this.d.images.get(c.image ?? '').catch(() => undefined))));
      if (missing.some(Boolean)) await this.writeStatus(pod, this.views(pod, []), undefined, false);
    }

    const policy = pod.spec?.restartPolicy ?? 'Always';
    let initDone = true;
    for (const spec of pod.spec?.initContainers ?? []) {
      const latest = latestOf(containers, spec.name);
      if (succeeded(latest)) continue;
      initDone = false;
      if (latest?.state === 'running') break;
      if (latest?.state === 'created') {
        const sandbox = await sandboxReady.catch(() => undefined);
        if (!sandbox || !(await sandbox.network.then(() => true, () => false))) break;
        await this.d.runtime.start(latest.id).catch(() => undefined);
        await this.d.cache.update(latest.id);
        break;
      }
      if (latest && isTerminated(latest)) {
        if (policy === 'Never') break;
        const wait = this.restartWait(pod, spec, latest);
        if (wait > 0) {
          requeue(wait);
          break;
        }
      }
      await this.startContainer(pod, spec, 'init', latest ? attemptOf(latest) + 1 : 0, sandboxReady, requeue);
      break;
    }

    if (initDone) {
      await Promise.all((pod.spec?.containers ?? []).map(async (spec) => {
        const latest = latestOf(this.d.cache.ofPod(uid), spec.name);
        if (latest?.state === 'running') {
          const sandbox = await sandboxReady.catch(() => undefined);
          if (sandbox) this.ensureProbes(pod, spec, latest, sandbox);
          return;
        }
        if (latest?.state === 'created') {
          // Created but never started (agent died in between): start it once the pod network is there.
          const sandbox = await sandboxReady.catch(() => undefined);
          if (!sandbox || !(await sandbox.network.then(() => true, () => false))) return;
          await this.d.runtime.start(latest.id).catch(() => undefined);
          // This branch also runs when a relist put a stale "created" state over a container just started; no
          // later event may come, so start its probes now (else readiness waits for the periodic resync).
          const started = await this.d.cache.update(latest.id);
          if (started?.state === 'running') this.ensureProbes(pod, spec, started, sandbox);
          return;
        }
        if (latest && isTerminated(latest) && !changed.has(spec.name)) {
          const restart = policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
          if (!restart) return;
          const wait = this.restartWait(pod, spec, latest);
          if (wait > 0) {
            requeue(wait);
            return;
          }
        }
        await this.startContainer(pod, spec, 'app', latest ? attemptOf(latest) + 1 : 0, sandboxReady, requeue);
      }));
    }

    let sandbox: Sandbox;
    try {
      sandbox = await sandboxReady;
    } catch (err) {
      const message = (err as Error).message;
      const reason = err instanceof ContainerConfigError ? err.reason : 'FailedCreatePodSandBox';
      void this.d.recorder.warning(pod, reason, reason === 'FailedMount' ? `MountVolume.SetUp failed: ${message}` : `Failed to create pod sandbox: ${message}`);
      this.d.logger.warn({ pod: key, err: message }, 'pod sandbox not ready');
      await this.writeStatus(pod, this.views(pod, this.d.cache.ofPod(uid)), undefined, false);
      requeue(2000);
      return result;
    }
    try {
      await sandbox.network;
    } catch (err) {
      const message = (err as Error).message;
      void this.d.recorder.warning(pod, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message}`);
      this.d.logger.warn({ pod: key, err: message }, 'pod network not ready');
      this.sandboxes.delete(uid);
      for (const c of this.d.cache.ofPod(uid)) if (c.state === 'created') await this.removeContainer(c.id);
      await this.writeStatus(pod, this.views(pod, this.d.cache.ofPod(uid)), undefined, false);
      requeue(2000);
      return result;
    }

    containers = this.d.cache.ofPod(uid);
    const views = this.views(pod, containers);
    const status = await this.writeStatus(pod, views, sandbox.podIP, true);
    mark(pod.metadata!.name!, 'status.written');
    if (status && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
      this.d.probes.stopPod(uid);
      await this.releaseSandbox(uid);
    }
    await this.pruneAttempts(uid);
    return result;
  }

  /** Milliseconds before a terminated container may restart (0: now); sets the CrashLoopBackOff reason. */
  private restartWait(pod: Pod, spec: Container, latest: ContainerStatus): number {
    const uid = pod.metadata!.uid!;
    const key = `${uid}/${spec.name}`;
    const finished = latest.finishedAt ?? new Date();
    const wait = this.d.crashBackoff.remaining(key, finished);
    if (wait > 0) {
      const delay = this.d.crashBackoff.current(key);
      const message = `back-off ${formatDuration(delay)} restarting failed container=${spec.name} pod=${pod.metadata!.name}_${pod.metadata!.namespace}(${uid})`;
      const prev = this.waiting.get(key);
      if (prev?.reason !== 'CrashLoopBackOff' || prev.message !== message) {
        void this.d.recorder.warning(pod, 'BackOff', `Back-off restarting failed container ${spec.name} in pod ${pod.metadata!.name}_${pod.metadata!.namespace}(${uid})`);
      }
      this.waiting.set(key, { reason: 'CrashLoopBackOff', message, at: new Date() });
      return wait;
    }
    const ranMs = latest.startedAt && latest.finishedAt ? latest.finishedAt.getTime() - latest.startedAt.getTime() : 0;
    this.d.crashBackoff.next(key, ranMs);
    return 0;
  }

  /**
   * The pod-level pieces: netns (created at once, attached to the bridge in the background so containers can
   * be created meanwhile), IPC/UTS namespaces, /etc files and volumes. Containers start only after `network`.
   */
  private async ensureSandbox(pod: Pod): Promise<Sandbox> {
    const uid = pod.metadata!.uid!;
    const existing = this.sandboxes.get(uid);
    if (existing) {
      if (Date.now() - existing.volumesAt >= this.d.volumeRefreshMs) {
        // ConfigMap, Secret and downward API contents follow their sources (kubelet's periodic volume sync).
        existing.volumesAt = Date.now();
        existing.volumes = await prepareVolumes(pod, this.d.paths, this.d.objects, this.fieldContext(pod, existing.podIP));
      }
      return existing;
    }
    const started = this.beginStart();
    try {
      return await this.newSandbox(pod);
    } finally {
      started();
    }
  }

  private async newSandbox(pod: Pod): Promise<Sandbox> {
    const uid = pod.metadata!.uid!;
    const { paths } = this.d;
    const record: PodRecord = { uid, namespace: pod.metadata!.namespace ?? 'default', name: pod.metadata!.name! };
    this.known.set(uid, record);
    this.released.delete(uid);
    mkdirSync(paths.podDir(uid), { recursive: true });
    writeFileSync(paths.podRecord(uid), JSON.stringify(record));
    const known = await this.d.network.attachmentOf(uid); // after an agent restart
    const portMappings: PortMapping[] = [];
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        portMappings.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'], ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
      }
    }
    const hostNetwork = pod.spec?.hostNetwork === true;
    const setUpOptions = {
      ...(portMappings.length ? { portMappings } : {}),
      cniArgs: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: record.namespace, K8S_POD_NAME: record.name, K8S_POD_UID: uid },
    };
    // A pre-made sandbox from the node's pool when there is one (never for hostNetwork or host ports, nor for a
    // pod that has its network already): netns on the bridge with an address, and IPC/UTS namespaces.
    const pooled = hostNetwork || known ? undefined : await this.d.network.claim(uid, setUpOptions).catch(() => undefined);
    const pooledNamespaces = pooled ? await this.adoptPoolNamespaces(pooled.poolId, uid) : undefined;
    mark(pod.metadata!.name!, 'sandbox.pool');
    // Sandbox set-up is CPU-bound process spawning (ip, CNI plugins, iptables, unshare): bounded, so that a
    // burst of pods finishes one by one instead of all at the end.
    const release = await this.sandboxSlots.acquire();
    // hostNetwork pods join the host's network namespace (PID 1's) and use the node's address; no CNI.
    // Otherwise the netns comes from the pool, or is the one the pod has (agent restart: setUp finds it), or is
    // made with the IPC/UTS namespaces by one `unshare` (once `ip netns` has prepared /run/netns), or by
    // `ip netns add`.
    const netnsName = this.d.network.netnsNameFor(uid);
    const withNamespaces = !hostNetwork && !pooled && !known && (await this.netnsDirReady());
    const podNamespaces = pooledNamespaces ? Promise.resolve(pooledNamespaces)
      : createPodNamespaces(paths.namespacesDir(uid), podHostname(pod), withNamespaces ? netnsPathOf(netnsName) : undefined);
    const newNetns = hostNetwork || pooled || known ? undefined
      : withNamespaces ? podNamespaces.then(() => netnsPathOf(netnsName)) : createNetns(netnsName);
    const attached: Promise<PodAttachment> = hostNetwork
      ? Promise.resolve({ podId: uid, netnsName: '', netnsPath: HOST_NS.network, interfaceName: '', ip: this.d.hostIP, prefixLength: 32 })
      : pooled ? Promise.resolve(pooled)
        : (newNetns ?? Promise.resolve()).then(() => this.d.network.setUp(uid, setUpOptions));
    attached.catch(() => undefined); // awaited (and reported) by whoever needs the network
    // Containers are created once the netns exists; a new one is attached to the bridge meanwhile.
    const netnsReady = newNetns ?? attached.then((a) => a.netnsPath);
    const needsIP = JSON.stringify(pod.spec?.volumes ?? []).includes('status.podIP');
    const setup = Promise.all([
      netnsReady,
      podNamespaces,
      writeEtcFiles(paths.etcDir(uid), pod, known?.ip ?? pooled?.ip, this.d.dns),
      (needsIP ? attached : Promise.resolve(undefined)).then((a) => prepareVolumes(pod, paths, this.d.objects, this.fieldContext(pod, a?.ip))),
    ]);
    void Promise.allSettled([attached, setup]).then(release);
    void netnsReady.then(() => mark(pod.metadata!.name!, 'sandbox.netns'));
    void attached.then(() => mark(pod.metadata!.name!, 'sandbox.attached'));
    const [netnsPath, ns, etc, volumes] = await setup;
    const sandbox: Sandbox = {
      netnsPath,
      ipc: pod.spec?.hostIPC ? HOST_NS.ipc : ns.ipc,
      uts: hostNetwork ? HOST_NS.uts : ns.uts,
      ...(pod.spec?.hostPID ? { pid: HOST_NS.pid } : {}),
      etc, volumes, volumesAt: Date.now(),
      network: attached.then(async (a) => {
        sandbox.podIP = a.ip;
        // Same inode (O_TRUNC), so containers created before the IP was known see the final file.
        writeFileSync(etc.hosts, hostsFile(pod, a.ip, this.d.dns.clusterDomain));
        sandbox.networkReady = true;
        return a;
      }),
    };
    sandbox.network.catch(() => undefined);
    this.sandboxes.set(uid, sandbox);
    return sandbox;
  }

  /**
   * Moves a claimed pool entry's IPC/UTS namespaces to the pod's directory (one rename; the bind mounts move
   * along). Undefined when they are not there: the pod then gets new ones.
   */
  private async adoptPoolNamespaces(poolId: string, uid: string): Promise<PodNamespaces | undefined> {
    const dir = this.d.paths.namespacesDir(uid);
    try {
      renameSync(this.d.paths.poolNamespacesDir(poolId), dir);
      return { ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
    } catch {
      return undefined;
    }
  }

  private netnsDirChecked = false;

  /** /run/netns is a shared mount point (the first `ip netns add` on the machine makes it one). */
  private async netnsDirReady(): Promise<boolean> {
    if (!this.netnsDirChecked) this.netnsDirChecked = await isSharedMountPoint(NETNS_DIR);
    return this.netnsDirChecked;
  }

  private fieldContext(pod: Pod, podIP: string | undefined): FieldContext {
    return {
      ...(podIP ? { podIP } : {}),
      hostIP: this.d.hostIP,
      nodeName: this.d.nodeName,
      nodeCpuMilli: this.d.nodeCpuMilli,
      nodeMemoryBytes: this.d.nodeMemoryBytes,
    };
  }

  private graceOf(pod: Pod): number {
    return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  private async startContainer(pod: Pod, spec: Container, kind: ContainerKind, attempt: number, sandboxReady: Promise<Sandbox>, requeue: (ms: number) => void): Promise<void> {
    const started = this.beginStart();
    try {
      await this.createAndStart(pod, spec, kind, attempt, sandboxReady, requeue);
    } finally {
      // A start ends with the pod's status write: background work (pool refills, events) waits for it too.
      this.afterStatus(pod.metadata!.uid!, started);
    }
  }

  private async createAndStart(pod: Pod, spec: Container, kind: ContainerKind, attempt: number, sandboxReady: Promise<Sandbox>, requeue: (ms: number) => void): Promise<void> {
    const uid = pod.metadata!.uid!;
    const ns = pod.metadata!.namespace ?? 'default';
    const key = `${uid}/${spec.name}`;
    const pullKey = `${key}/${spec.image}`;

    // Image, with its own back-off after failures.
    const lastPull = this.waiting.get(key);
    if (lastPull && (lastPull.reason === 'ErrImagePull' || lastPull.reason === 'ImagePullBackOff')) {
      const wait = this.d.pullBackoff.remaining(pullKey, lastPull.at);
      if (wait > 0) {
        if (lastPull.reason !== 'ImagePullBackOff') {
          void this.d.recorder.normal(pod, 'BackOff', `Back-off pulling image "${spec.image}"`);
          this.waiting.set(key, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${spec.image}": ${lastPull.message ?? ''}`.trim(), at: lastPull.at });
        }
        requeue(wait);
        return;
      }
    }
    let info: ImageInfo;
    try {
      info = await this.d.puller.ensure(pod, spec);
      mark(pod.metadata!.name!, 'container.image');
      this.d.pullBackoff.reset(pullKey);
    } catch (err) {
      const reason = err instanceof ImageError ? err.kubernetesReason : 'ErrImagePull';
      const message = (err as Error).message;
      this.d.pullBackoff.next(pullKey);
      this.waiting.set(key, { reason, message, at: new Date() });
      void this.d.recorder.warning(pod, 'Failed', `Error: ${reason}`);
      requeue(this.d.pullBackoff.current(pullKey));
      return;
    }

    const id = containerIdFor(uid, spec.name, attempt);
    // Only a container with a bundle on disk is worth a runc call.
    const stale = this.d.cache.get(id) ?? ((await this.d.runtime.has(id)) ? await this.d.cache.update(id) : undefined);
    if (stale) {
      // A container with this attempt exists (half-made before a crash): replace it.
      await this.d.runtime.remove(id).catch(() => undefined);
      this.d.cache.forget(id);
    }
    let release = (): void => undefined;
    let rootfsReady: Promise<{ path: string; mount?: OverlaySpec }> | undefined;
    try {
      release = await this.createSlots.acquire();
      // The overlay is mounted by the container's shim (one mount(2), no `mount` process), unless the image's
      // USER is a name to look up in the rootfs' /etc/passwd first: then here, while the sandbox is being made.
      rootfsReady = /[^\d:]/.test(info.config.user ?? '') ? this.d.images.createRootfs(info.reference, id) : this.d.images.prepareRootfs(info.reference, id);
      rootfsReady.catch(() => undefined);
      const sandbox = await sandboxReady.catch((err: unknown) => { throw new SandboxNotReady(err); });
      mark(pod.metadata!.name!, 'container.sandbox');
      const rootfs = await rootfsReady;
      mark(pod.metadata!.name!, 'container.rootfs');
      if (JSON.stringify(spec.env ?? []).includes('status.podIP')) await sandbox.network;
      const ctx = this.fieldContext(pod, sandbox.podIP);
      const env = await resolveEnv(pod, spec, info.config.env, this.d.objects, ctx);
      const args = resolveArgs(spec, info.config, env);
      const terminationLog = this.d.paths.terminationLog(uid, spec.name, attempt);
      mkdirSync(dirname(terminationLog), { recursive: true });
      writeFileSync(terminationLog, '', { mode: 0o666 });
      const config = await buildContainerConfig({
        pod, container: spec, image: info.config, args, env, rootfs: rootfs.path, volumes: sandbox.volumes, etc: sandbox.etc,
        terminationLog,
        namespaces: { network: sandbox.netnsPath, ipc: sandbox.ipc, uts: sandbox.uts, ...(sandbox.pid ? { pid: sandbox.pid } : {}) },
        cgroupsPath: `${this.podCgroup(uid)}/${spec.name}_${attempt}`,
        labels: {
          [LABEL_POD_UID]: uid, [LABEL_POD_NAMESPACE]: ns, [LABEL_POD_NAME]: pod.metadata!.name!,
          [LABEL_CONTAINER_NAME]: spec.name, [LABEL_CONTAINER_KIND]: kind, [LABEL_ATTEMPT]: String(attempt),
          [LABEL_IMAGE]: spec.image ?? '', [LABEL_IMAGE_ID]: info.repoDigest, [LABEL_GRACE]: String(this.graceOf(pod)),
          [LABEL_TERMINATION_LOG]: terminationLog,
        },
        ...(this.d.pidsLimit ? { pidsLimit: this.d.pidsLimit } : {}),
      });
      // The pod's hostname in its UTS namespace (a pre-made one has none yet); runc sets it as it starts.
      if (!pod.spec?.hostNetwork) config.hostname = podHostname(pod);
      mark(pod.metadata!.name!, 'container.config');
      const logPath = this.d.paths.containerLog(ns, pod.metadata!.name!, uid, spec.name, attempt);
      const createOptions = { logPath, ...(rootfs.mount ? { overlay: rootfs.mount } : {}) };
      let status: ContainerStatus;
      if (sandbox.networkReady) {
        // Network already there (pool, restart, hostNetwork): `runc run -d`, one runc process instead of two.
        status = await this.d.runtime.run(id, config, createOptions);
        this.afterStatus(uid, () => void this.d.recorder.normal(pod, 'Created', `Created container ${spec.name}`));
      } else {
        await this.d.runtime.createContainer(id, config, createOptions);
        this.afterStatus(uid, () => void this.d.recorder.normal(pod, 'Created', `Created container ${spec.name}`));
        mark(pod.metadata!.name!, 'container.created');
        await sandbox.network;
        mark(pod.metadata!.name!, 'container.network');
        status = await this.d.runtime.start(id);
      }
      mark(pod.metadata!.name!, 'container.started');
      release();
      this.d.cache.put(status);
      this.afterStatus(uid, () => void this.d.recorder.normal(pod, 'Started', `Started container ${spec.name}`));
      this.waiting.delete(key);
      if (spec.lifecycle?.postStart && status.state === 'running') await this.postStart(pod, spec, status, sandbox);
      if (status.state === 'running') this.ensureProbes(pod, spec, status, sandbox);
    } catch (err) {
      if (err instanceof SandboxNotReady) {
        // Reported once for the pod by run().
        await rootfsReady?.catch(() => undefined); // a mount in flight must finish before it can be removed
        await this.d.images.removeRootfs(id).catch(() => undefined);
        return;
      }
      const message = (err as Error).message;
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerError';
      this.waiting.set(key, { reason, message, at: new Date() });
      void this.d.recorder.warning(pod, 'Failed', `Error: ${message}`);
      this.d.logger.warn({ pod: `${ns}/${pod.metadata!.name}`, container: spec.name, err: message }, 'could not start container');
      await this.d.runtime.remove(id).catch(() => undefined);
      await this.d.images.removeRootfs(id).catch(() => undefined);
      this.d.cache.forget(id);
      requeue(2000);
    } finally {
      release();
    }
  }

  private async postStart(pod: Pod, spec: Container, c: ContainerStatus, sandbox: Sandbox): Promise<void> {
    const outcome = await runAction(spec.lifecycle!.postStart!, this.probeTarget(spec, c.id, sandbox), 30_000);
    if (outcome.ok) return;
    void this.d.recorder.warning(pod, 'FailedPostStartHook', `PostStartHook failed: ${outcome.message}`);
    await this.stopContainer(pod, c, this.graceOf(pod));
  }

  private probeTarget(spec: Container, containerId: string, sandbox: Sandbox): ProbeTarget {
    return {
      get podIP() { return sandbox.podIP; },
      container: spec,
      exec: async (args, timeoutMs) => {
        const out = new TextSink();
        const code = await this.d.runtime.exec(containerId, { args, stdout: out, stderr: out, signal: AbortSignal.timeout(timeoutMs) });
        return { code, output: out.text };
      },
    };
  }

  private ensureProbes(pod: Pod, spec: Container, c: ContainerStatus, sandbox: Sandbox): void {
    if (!spec.startupProbe && !spec.livenessProbe && !spec.readinessProbe) return;
    if (this.d.probes.has(c.id)) return;
    const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    this.d.probes.ensure(c.id, pod.metadata!.uid!, key, spec, c.startedAt ?? c.createdAt, this.probeTarget(spec, c.id, sandbox));
  }

  private views(pod: Pod, containers: ContainerStatus[]): ContainerView[] {
    const uid = pod.metadata!.uid!;
    const out: ContainerView[] = [];
    const add = (spec: Container, kind: 'init' | 'app'): void => {
      const mine = containers.filter((c) => identityOf(c)?.name === spec.name).sort((a, b) => attemptOf(b) - attemptOf(a));
      const [latest, previous] = mine;
      const w = this.waiting.get(`${uid}/${spec.name}`);
      const view: ContainerView = {
        spec, kind,
        ready: latest ? (this.d.probes.has(latest.id) ? this.d.probes.ready(latest.id) : !spec.readinessProbe && !spec.startupProbe) : false,
        started: latest ? (this.d.probes.has(latest.id) ? this.d.probes.started(latest.id) : !spec.startupProbe) : false,
      };
      if (latest) view.latest = latest;
      if (previous) view.previous = previous;
      if (w && !(latest?.state === 'running')) view.waiting = { reason: w.reason, ...(w.message ? { message: w.message } : {}) };
      const imageId = latest?.labels['io.stratus.container.image-id'];
      if (imageId) view.imageID = imageId;
      if (latest && isTerminated(latest)) {
        const m = this.messages.get(latest.id);
        if (m) view.latestMessage = m;
      }
      if (previous && isTerminated(previous)) {
        const m = this.messages.get(previous.id);
        if (m) view.previousMessage = m;
      }
      out.push(view);
    };
    for (const spec of pod.spec?.initContainers ?? []) add(spec, 'init');
    for (const spec of pod.spec?.containers ?? []) add(spec, 'app');
    return out;
  }

  /** Reads termination messages of newly exited containers into `messages` (they never change after). */
  private async loadMessages(pod: Pod, containers: ContainerStatus[]): Promise<void> {
    for (const c of containers) {
      if (!isTerminated(c) || this.messages.has(c.id)) continue;
      const ident = identityOf(c);
      const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((s) => s.name === ident?.name);
      let message = '';
      const path = c.labels[LABEL_TERMINATION_LOG];
      if (path) message = (await readFile(path).catch(() => Buffer.alloc(0))).subarray(0, TERMINATION_MESSAGE_MAX).toString('utf8');
      if (!message && spec?.terminationMessagePolicy === 'FallbackToLogsOnError' && c.exitCode !== 0) {
        let text = '';
        try {
          for await (const chunk of readLogs(c.logPath, { tail: FALLBACK_LOG_LINES })) text += chunk;
        } catch {
          // no logs
        }
        message = text.length > 2048 ? text.slice(-2048) : text;
      }
      this.messages.set(c.id, message);
    }
  }

  private async writeStatus(pod: Pod, views: ContainerView[], podIP: string | undefined, sandboxReady: boolean, deadlineExceeded = false): Promise<PodStatus | undefined> {
    const uid = pod.metadata!.uid!;
    await this.loadMessages(pod, views.flatMap((v) => [v.latest, v.previous].filter((c): c is ContainerStatus => !!c)));
    const refreshed = this.views(pod, views.flatMap((v) => [v.latest, v.previous].filter((c): c is ContainerStatus => !!c)));
    const status = computePodStatus({ pod, views: refreshed, ...(podIP ? { podIP } : {}), hostIP: this.d.hostIP, sandboxReady, now: new Date(), deadlineExceeded });
    if (jsonEqual(status, this.lastStatus.get(uid)) || jsonEqual(status, pod.status)) {
      this.lastStatus.set(uid, status);
      return status;
    }
    let current = pod;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.d.client.updateStatus(PODS, { ...current, status }, { namespace: current.metadata!.namespace });
        this.lastStatus.set(uid, status);
        return status;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) throw err;
        current = await this.d.client.get(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace });
        if (current.metadata?.uid !== uid) return undefined;
        const again = computePodStatus({ pod: current, views: refreshed, ...(podIP ? { podIP } : {}), hostIP: this.d.hostIP, sandboxReady, now: new Date(), deadlineExceeded });
        Object.assign(status, again);
      }
    }
    throw new Error(`could not write the status of pod ${pod.metadata!.namespace}/${pod.metadata!.name}: conflicts`);
  }

  /** Keeps the newest two attempts of each container (current + previous, for lastState and --previous logs). */
  private async pruneAttempts(uid: string): Promise<void> {
    const byName = new Map<string, ContainerStatus[]>();
    for (const c of this.d.cache.ofPod(uid)) {
      const name = identityOf(c)!.name;
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    for (const list of byName.values()) {
      list.sort((a, b) => attemptOf(b) - attemptOf(a));
      for (const old of list.slice(2)) {
        if (!isTerminated(old)) continue;
        await this.removeContainer(old.id);
      }
    }
  }

  private async removeContainer(id: string): Promise<void> {
    this.d.probes.stop(id);
    await this.d.runtime.remove(id).catch((err) => this.d.logger.warn({ id, err: (err as Error).message }, 'could not remove container'));
    await this.d.images.removeRootfs(id).catch((err) => this.d.logger.warn({ id, err: (err as Error).message }, 'could not remove rootfs'));
    this.d.cache.forget(id);
    this.messages.delete(id);
  }

  // ---- stopping ----

  /** preStop hook, SIGTERM, wait out the grace period, SIGKILL. */
  private async stopContainer(pod: Pod | undefined, c: ContainerStatus, graceSeconds: number): Promise<void> {
    const deadline = Date.now() + graceSeconds * 1000;
    const name = identityOf(c)?.name ?? c.id;
    const spec = pod ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((s) => s.name === name) : undefined;
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && c.state === 'running' && graceSeconds > 0) {
      const sandbox = this.sandboxes.get(pod!.metadata!.uid!);
      const target: ProbeTarget = sandbox ? this.probeTarget(spec!, c.id, sandbox) : {
        container: spec!,
        exec: async (args, timeoutMs) => ({ code: await this.d.runtime.exec(c.id, { args, signal: AbortSignal.timeout(timeoutMs) }), output: '' }),
      };
      const outcome = await runAction(preStop, target, Math.max(1000, graceSeconds * 1000));
      if (!outcome.ok) void this.d.recorder.warning(pod!, 'FailedPreStopHook', `PreStopHook failed: ${outcome.message}`);
    }
    const remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    try {
      await this.d.runtime.stop(c.id, remaining);
    } catch (err) {
      this.d.logger.warn({ id: c.id, err: (err as Error).message }, 'could not stop container');
    }
    await this.d.cache.update(c.id);
  }

  /** Graceful deletion: stop every container within the grace period, clean up, then remove the pod. */
  private async terminate(pod: Pod): Promise<SyncResult> {
    const uid = pod.metadata!.uid!;
    if (this.terminating.has(uid)) return {};
    this.terminating.add(uid);
    try {
      const grace = this.graceOf(pod);
      this.d.probes.stopPod(uid);
      const running = (await this.d.cache.refreshPod(uid)).filter((c) => c.state === 'running' || c.state === 'created');
      await Promise.all(running.map((c) => {
        void this.d.recorder.normal(pod, 'Killing', `Stopping container ${identityOf(c)?.name ?? c.id}`);
        return this.stopContainer(pod, c, grace);
      }));
      await this.cleanUp(uid);
      try {
        await this.d.client.delete(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace, gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return {};
    } finally {
      this.terminating.delete(uid);
    }
  }

  /** Removes every trace of a pod that is no longer ours (force-deleted, rebound, recreated). */
  async teardown(uid: string, graceSeconds: number): Promise<void> {
    if (this.terminating.has(uid)) return;
    this.terminating.add(uid);
    try {
      this.d.probes.stopPod(uid);
      const running = (await this.d.cache.refreshPod(uid)).filter((c) => c.state === 'running' || c.state === 'created');
      await Promise.all(running.map((c) => {
        const grace = Math.min(graceSeconds, Number(c.labels[LABEL_GRACE] ?? graceSeconds));
        return this.stopContainer(undefined, c, grace);
      }));
      await this.cleanUp(uid);
    } finally {
      this.terminating.delete(uid);
    }
  }

  private async cleanUp(uid: string): Promise<void> {
    const rec = this.known.get(uid);
    for (const c of this.d.cache.ofPod(uid)) await this.removeContainer(c.id);
    for (const id of await this.d.images.rootfsIds()) if (id.startsWith(`${uid}_`)) await this.d.images.removeRootfs(id).catch(() => undefined);
    await this.releaseSandbox(uid);
    await removeVolumes(uid, this.d.paths);
    await rm(this.d.paths.podDir(uid), { recursive: true, force: true });
    if (rec?.name) await rm(this.d.paths.podLogDir(rec.namespace, rec.name, uid), { recursive: true, force: true });
    await this.d.runtime.removeCgroup(this.podCgroup(uid)).catch(() => undefined);
    this.d.crashBackoff.forgetPrefix(`${uid}/`);
    this.d.pullBackoff.forgetPrefix(`${uid}/`);
    for (const k of [...this.waiting.keys()]) if (k.startsWith(`${uid}/`)) this.waiting.delete(k);
    this.lastStatus.delete(uid);
    this.known.delete(uid);
    this.released.delete(uid);
  }

  /** The network and pod namespaces go; containers (exited) and files stay for logs until the pod is deleted. */
  private async releaseSandbox(uid: string): Promise<void> {
    this.sandboxes.delete(uid);
    this.released.add(uid);
    await this.d.network.tearDown(uid).catch((err) => this.d.logger.warn({ uid, err: (err as Error).message }, 'network teardown failed; gc retries'));
    await removePodNamespaces(this.d.paths.namespacesDir(uid)).catch(() => undefined);
  }

  private podCgroup(uid: string): string {
    return `${this.d.cgroupParent}/pod${uid}`;
  }
}

/** The pod sandbox failed while a container was being prepared. */
class SandboxNotReady extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

function latestOf(containers: ContainerStatus[], name: string): ContainerStatus | undefined {
  let best: ContainerStatus | undefined;
  for (const c of containers) {
    if (identityOf(c)?.name !== name) continue;
    if (!best || attemptOf(c) > attemptOf(best)) best = c;
  }
  return best;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
}


export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
