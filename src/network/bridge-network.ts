// Pod networking for one node with the standard CNI plugins: a Linux bridge per node (bridge), addresses
// from the node's pod CIDR (host-local), optional host ports (portmap). Each pod gets a named network
// namespace that all its containers join.
//
// Cross-host (later): other nodes' pod CIDRs become routes (host-gw) or go over a VXLAN device, with
// `mtu: 1450` here for the overlay; nothing in this file needs to change for that beyond the MTU.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../runtime/state-files.js';
import {
  addNetworkList,
  checkNetworkList,
  delNetworkList,
  DEFAULT_CNI_BIN_DIR,
  type CniNetworkList,
  type CniResult,
  type CniRuntimeParams,
} from './cni.js';
import { NetworkError } from './errors.js';
import { createNetns, deleteNetns, listNetns, netnsExists, netnsPath } from './netns.js';
import { run, tryRun } from './command.js';
import { removeIdlePortmapChains } from './portmap-chains.js';
import { DEFAULT_CLUSTER_POD_CIDR, DEFAULT_SERVICE_CIDR, ensureUnreachableRoutes } from './host-routes.js';

export interface BridgeNetworkOptions {
  /** Node name: makes the bridge, netns and CNI network names of this node unique on the machine. */
  nodeName: string;
  /** This node's pod range, e.g. "10.244.1.0/24". */
  podCidr: string;
  /** Where IPAM reservations and attachment records live (survives agent restarts). */
  stateDir: string;
  /** Linux bridge name, at most 15 characters; default derived from nodeName. */
  bridgeName?: string;
  /** Pod interface MTU (1450 under VXLAN); default 1500. */
  mtu?: number;
  /** Masquerade pod traffic leaving the pod range; default true. */
  ipMasq?: boolean;
  /** Let a pod reach itself through a Service/host port; default true. */
  hairpin?: boolean;
  /** Add the portmap plugin for host ports; default true. */
  portMap?: boolean;
  cniBinDir?: string;
  /** Ranges that must never leave the machine (unreachable routes); default pod and service CIDRs. */
  protectedCidrs?: string[];
  /**
   * Pre-attached pod network namespaces kept ready (see claim()); default 0. Each holds an address of the pod
   * range and a bridge port while it waits.
   */
  poolSize?: number;
  /**
   * Makes a pool entry's network namespace at `netnsPath` (loopback up), e.g. together with other namespaces
   * of the future pod in one process; default createNetns.
   */
  makePoolNetns?: (poolId: string, netnsPath: string) => Promise<void>;
  /** Awaited before each pool entry is made, e.g. until no pod is being started (refills yield to starts). */
  poolRefillGate?: () => Promise<void>;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

export interface SetUpOptions {
  portMappings?: PortMapping[];
  /** Passed as CNI_ARGS (e.g. K8S_POD_NAMESPACE, K8S_POD_NAME). */
  cniArgs?: Record<string, string>;
  /** Run the plugins at the lowest CPU priority (pool refills, so they do not slow down pod starts). */
  background?: boolean;
}

/** A pool entry handed to a pod: `poolId` is the entry's id (its netns is named after it). */
export type ClaimedAttachment = PodAttachment & { poolId: string };

export interface PodAttachment {
  podId: string;
  netnsName: string;
  /** Path containers join (linux.namespaces[].path). */
  netnsPath: string;
  interfaceName: string;
  ip: string;
  prefixLength: number;
  gateway?: string;
  mac?: string;
}

interface AttachmentRecord {
  podId: string;
  netnsName: string;
  /** CNI_CONTAINERID the plugins know the attachment by (the pool entry's id for a claimed one); default podId. */
  cniContainerId?: string;
  /** Whether portmap is in the chain; records written before this field existed always had it. */
  portMap?: boolean;
  /** Whether the bridge plugin masquerades for this pod (records from before the node-wide rule did). */
  podMasq?: boolean;
  state: 'adding' | 'ready';
  portMappings?: PortMapping[];
  cniArgs?: Record<string, string>;
  result?: CniResult;
}

const POD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const IFNAME = 'eth0';
/** Pool entries' ids (and so netns names `<prefix>pool-…`); never a pod uid. */
const POOL_PREFIX = 'pool-';

/** A bridge name of at most 15 characters, unique per node name: "st-<name>" when it fits, else a hash. */
export function bridgeNameFor(nodeName: string): string {
  const plain = `st-${nodeName}`;
  if (plain.length <= 15 && /^[A-Za-z0-9_.-]+$/.test(nodeName)) return plain;
  return `st-${createHash('sha256').update(nodeName).digest('hex').slice(0, 12)}`;
}

export function parseCidr(cidr: string): { address: string; prefixLength: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 32 || m[1]!.split('.').some((o) => Number(o) > 255)) {
    throw new NetworkError('InvalidConfig', `"${cidr}" is not an IPv4 CIDR like 10.244.1.0/24`);
  }
  return { address: m[1]!, prefixLength: Number(m[2]) };
}

export class BridgeNetwork {
  readonly nodeName: string;
  readonly bridgeName: string;
  readonly networkName: string;
  readonly netnsPrefix: string;
  private readonly options: BridgeNetworkOptions;
  private readonly binDir: string;
  private readonly recordsDir: string;
  private readonly ipamDir: string;
  private hostReady: Promise<void> | undefined;
  private readonly pool: PodAttachment[] = [];
  private readonly poolPending = new Set<string>();
  private poolFilling: Promise<void> | undefined;
  private poolClosed = true;
  private recordsDirMade = false;

  constructor(options: BridgeNetworkOptions) {
    parseCidr(options.podCidr);
    this.options = options;
    this.nodeName = options.nodeName;
    this.bridgeName = options.bridgeName ?? bridgeNameFor(options.nodeName);
    if (this.bridgeName.length > 15) {
      throw new NetworkError('InvalidConfig', `bridge name "${this.bridgeName}" is longer than 15 characters; choose a shorter one`);
    }
    const safeNode = options.nodeName.replace(/[^A-Za-z0-9_.-]/g, '-');
    this.networkName = `stratus-${safeNode}`;
    this.netnsPrefix = `stratus-${safeNode}-`;
    this.binDir = options.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
    this.recordsDir = join(options.stateDir, 'attachments');
    this.ipamDir = join(options.stateDir, 'ipam');
  }

  /** The CNI network configuration list this node uses (portmap only when withPortMap and enabled). */
  networkList(withPortMap = true, withPodMasq = false): CniNetworkList {
    const o = this.options;
    const plugins: CniNetworkList['plugins'] = [
      {
        type: 'bridge',
        bridge: this.bridgeName,
        isGateway: true,
        // Masquerading is one node-wide rule (ensureHost), not a chain of iptables calls per pod.
        ipMasq: withPodMasq,
        hairpinMode: o.hairpin ?? true,
        mtu: o.mtu ?? 1500,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: o.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: this.ipamDir,
        },
      },
    ];
    if ((o.portMap ?? true) && withPortMap) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { cniVersion: '1.0.0', name: this.networkName, plugins };
  }

  /** Host preparation: the safety routes and the pod range's masquerade rule. Once per BridgeNetwork (retried after a failure). */
  async ensureHost(): Promise<void> {
    this.hostReady ??= (async () => {
      await ensureUnreachableRoutes(this.options.protectedCidrs ?? [DEFAULT_CLUSTER_POD_CIDR, DEFAULT_SERVICE_CIDR]);
      if (this.options.ipMasq ?? true) {
        const rule = this.masqueradeRule();
        if ((await tryRun('iptables', ['-w', '-t', 'nat', '-C', ...rule])) === undefined) await run('iptables', ['-w', '-t', 'nat', '-A', ...rule]);
      }
    })();
    this.hostReady.catch(() => (this.hostReady = undefined));
    await this.hostReady;
  }

  /** Pod traffic leaving the pod range (multicast aside) goes out with the node's address, as the bridge plugin's ipMasq does. */
  private masqueradeRule(): string[] {
    const cidr = this.options.podCidr;
    return ['POSTROUTING', '-s', cidr, '!', '-d', cidr, '-m', 'addrtype', '!', '--dst-type', 'MULTICAST',
      '-m', 'comment', '--comment', `stratus masquerade ${this.networkName}`, '-j', 'MASQUERADE'];
  }

  netnsNameFor(podId: string): string {
    return `${this.netnsPrefix}${podId}`;
  }

  /** Creates the pod's netns and attaches it to the bridge. Idempotent: a ready pod returns its attachment. */
  async setUp(podId: string, options: SetUpOptions = {}): Promise<PodAttachment> {
    if (!POD_ID_PATTERN.test(podId)) {
      throw new NetworkError('InvalidConfig', `pod id "${podId}" must match ${POD_ID_PATTERN}`);
    }
    const existing = await this.readRecord(podId);
    if (existing?.state === 'ready' && existing.result && (await netnsExists(existing.netnsName))) {
      return this.attachment(existing);
    }
    if (existing) await this.tearDown(podId); // half-done earlier attempt: start clean

    await this.ensureHost();
    const record: AttachmentRecord = {
      podId,
      netnsName: this.netnsNameFor(podId),
      // portmap (a plugin run plus its iptables calls) only for pods that map host ports.
      portMap: !!options.portMappings?.length,
      podMasq: false,
      state: 'adding',
      ...(options.portMappings?.length ? { portMappings: options.portMappings } : {}),
      ...(options.cniArgs ? { cniArgs: options.cniArgs } : {}),
    };
    // Record the intent first so that gc() finds the pieces if we crash half-way.
    await this.writeRecord(record);
    try {
      // The caller may have made the netns already (the agent does, to create containers meanwhile).
      const path = (await netnsExists(record.netnsName)) ? netnsPath(record.netnsName) : await createNetns(record.netnsName);
      record.result = await addNetworkList(this.binDir, this.listOf(record), { ...this.params(record, path), ...(options.background ? { lowPriority: true } : {}) });
      record.state = 'ready';
      await this.writeRecord(record);
      return this.attachment(record);
    } catch (err) {
      await this.tearDown(podId).catch(() => undefined);
      throw err;
    }
  }

  /** CNI CHECK of a ready pod; throws NetworkError when something is missing. */
  async check(podId: string): Promise<void> {
    const record = await this.readRecord(podId);
    if (!record?.result || record.state !== 'ready') throw new NetworkError('NotFound', `pod ${podId} has no network on ${this.nodeName}`);
    if (!(await netnsExists(record.netnsName))) throw new NetworkError('NotFound', `network namespace ${record.netnsName} is gone`);
    await checkNetworkList(this.binDir, this.listOf(record), this.params(record, netnsPath(record.netnsName)), record.result);
  }

  async attachmentOf(podId: string): Promise<PodAttachment | undefined> {
    const record = await this.readRecord(podId);
    return record?.state === 'ready' && record.result ? this.attachment(record) : undefined;
  }

  /** Detaches the pod: CNI DEL (veth, IP reservation, NAT/port rules), then the netns. Idempotent. */
  async tearDown(podId: string): Promise<void> {
    // Without a record (crash before it was written): the current chain, portmap included to be safe.
    const record = (await this.readRecord(podId)) ?? { podId, netnsName: this.netnsNameFor(podId), podMasq: false, state: 'adding' as const };
    const path = (await netnsExists(record.netnsName)) ? netnsPath(record.netnsName) : '';
    let failure: unknown;
    try {
      await delNetworkList(this.binDir, this.listOf(record), this.params(record, path), record.result);
    } catch (err) {
      failure = err;
    }
    await deleteNetns(record.netnsName);
    if (failure) throw failure; // the record stays so that a later tearDown/gc retries the DEL
    await rm(this.recordPath(podId), { force: true });
  }

  /**
   * Pod ids with any trace on this node: records, namespaces, IP reservations. Pool entries waiting in this
   * process are left out, and so are the pieces of a pool entry that a pod has claimed (they are the pod's);
   * pool entries left by an earlier process are listed (as `pool-…` ids) so that gc() removes them.
   */
  async knownAttachments(): Promise<string[]> {
    const ids = new Set<string>();
    const claimed = new Set<string>();
    for (const f of await readdir(this.recordsDir).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue;
      const id = f.slice(0, -5);
      ids.add(id);
      const record = await this.readRecord(id);
      if (record?.cniContainerId && record.cniContainerId !== id) claimed.add(record.cniContainerId);
    }
    for (const ns of await listNetns(this.netnsPrefix)) ids.add(ns.slice(this.netnsPrefix.length));
    const ipamNet = join(this.ipamDir, this.networkName);
    for (const f of await readdir(ipamNet).catch(() => [] as string[])) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      const owner = (await readFile(join(ipamNet, f), 'utf8').catch(() => '')).split(/\r?\n/)[0]?.trim();
      if (owner) ids.add(owner);
    }
    for (const id of claimed) ids.delete(id);
    for (const id of this.livePoolIds()) ids.delete(id);
    return [...ids];
  }

  /** Tears down every attachment whose pod is not in knownPodIds (leftovers of crashes). Returns them. */
  async gc(knownPodIds: Iterable<string>): Promise<string[]> {
    const keep = new Set(knownPodIds);
    const removed: string[] = [];
    for (const podId of await this.knownAttachments()) {
      if (keep.has(podId)) continue;
      await this.tearDown(podId);
      removed.push(podId);
    }
    return removed;
  }

  /** Removes every pod attachment and the node's bridge (node decommissioning, tests). */
  async destroy(): Promise<void> {
    await this.closePool();
    await this.gc([]);
    await tryRun('ip', ['link', 'delete', this.bridgeName]);
    while ((await tryRun('iptables', ['-w', '-t', 'nat', '-D', ...this.masqueradeRule()])) !== undefined) {
      // a rule added twice (two processes racing at ensureHost) goes too
    }
    this.hostReady = undefined;
    await removeIdlePortmapChains();
    await rm(this.options.stateDir, { recursive: true, force: true });
  }

  // ---- the pool of pre-attached sandboxes ----

  /** Starts keeping `poolSize` attached network namespaces ready (no-op when poolSize is 0). */
  startPool(): void {
    if ((this.options.poolSize ?? 0) <= 0) return;
    this.poolClosed = false;
    this.fillPool();
  }

  /** Stops refilling and tears down the entries nobody claimed. */
  async closePool(): Promise<void> {
    this.poolClosed = true;
    await this.poolFilling;
    for (const entry of this.pool.splice(0)) await this.tearDown(entry.podId).catch(() => undefined);
  }

  /** Pool entries ready now. */
  poolReady(): number {
    return this.pool.length;
  }

  /**
   * Hands a ready pool entry to the pod: its netns and address become the pod's (same CNI_CONTAINERID for the
   * plugins, so tearDown(podId) releases them). Undefined when the pool is empty or the pod maps host ports
   * (portmap needs the pod's mappings at ADD): the caller then uses setUp().
   */
  async claim(podId: string, options: SetUpOptions = {}): Promise<ClaimedAttachment | undefined> {
    if (!POD_ID_PATTERN.test(podId) || podId.startsWith(POOL_PREFIX)) return undefined;
    if (options.portMappings?.length || this.poolClosed) return undefined;
    const entry = this.pool.shift();
    if (!entry) return undefined;
    this.poolPending.add(entry.podId); // still "live" until the pod's record exists
    try {
      const [own, poolRecord] = await Promise.all([this.readRecord(podId), this.readRecord(entry.podId)]);
      if (own) {
        this.pool.unshift(entry); // known pod (agent restart): setUp() is idempotent
        return undefined;
      }
      if (!poolRecord?.result) return undefined;
      const record: AttachmentRecord = {
        podId,
        netnsName: entry.netnsName,
        cniContainerId: poolRecord.cniContainerId ?? entry.podId,
        portMap: false,
        podMasq: poolRecord.podMasq ?? true,
        state: 'ready',
        result: poolRecord.result,
        ...(options.cniArgs ? { cniArgs: options.cniArgs } : {}),
      };
      // The pod's record first: a crash in between leaves a pool record whose pieces knownAttachments() skips.
      // Its removal is off the pod's start path (thread pool, not awaited).
      await this.writeRecord(record);
      void rm(this.recordPath(entry.podId), { force: true }).catch(() => undefined);
      return { ...this.attachment(record), poolId: entry.podId };
    } finally {
      this.poolPending.delete(entry.podId);
      this.fillPool();
    }
  }

  private livePoolIds(): string[] {
    return [...this.pool.map((e) => e.podId), ...this.poolPending];
  }

  /**
   * One entry at a time in the background, its processes at the lowest CPU priority, each entry begun after
   * poolRefillGate: refilling never takes more than one core, and does not start while pods are being started.
   */
  private fillPool(): void {
    if (this.poolFilling || this.poolClosed) return;
    const gate = this.options.poolRefillGate ?? (() => Promise.resolve());
    this.poolFilling = (async () => {
      while (!this.poolClosed && this.pool.length < (this.options.poolSize ?? 0)) {
        const id = `${POOL_PREFIX}${randomBytes(6).toString('hex')}`;
        this.poolPending.add(id);
        try {
          await gate();
          if (this.poolClosed) break;
          const netnsName = this.netnsNameFor(id);
          // A crash from here on leaves a netns named after the entry: knownAttachments() lists it for gc().
          if (this.options.makePoolNetns) {
            await this.options.makePoolNetns(id, netnsPath(netnsName));
          } else {
            await createNetns(netnsName, { lowPriority: true });
          }
          if (this.poolClosed) {
            await this.tearDown(id).catch(() => undefined);
            break;
          }
          this.pool.push(await this.setUp(id, { background: true }));
        } catch {
          await this.tearDown(id).catch(() => undefined);
          break; // tried again at the next claim
        } finally {
          this.poolPending.delete(id);
        }
      }
    })().finally(() => (this.poolFilling = undefined));
  }

  private listOf(record: AttachmentRecord): CniNetworkList {
    return this.networkList(record.portMap ?? true, record.podMasq ?? true);
  }

  private params(record: AttachmentRecord, netns: string): CniRuntimeParams {
    return {
      containerId: record.cniContainerId ?? record.podId,
      netns,
      ifName: IFNAME,
      ...(record.cniArgs ? { args: record.cniArgs } : {}),
      runtimeConfig: { portMappings: record.portMappings ?? [] },
    };
  }

  private attachment(record: AttachmentRecord): PodAttachment {
    const result = record.result!;
    const ip = result.ips?.[0];
    if (!ip) throw new NetworkError('CniFailed', `CNI result for pod ${record.podId} has no IP address`);
    const { address, prefixLength } = parseCidr(ip.address);
    const iface = result.interfaces?.find((i) => i.name === IFNAME && i.sandbox);
    return {
      podId: record.podId,
      netnsName: record.netnsName,
      netnsPath: netnsPath(record.netnsName),
      interfaceName: IFNAME,
      ip: address,
      prefixLength,
      ...(ip.gateway ? { gateway: ip.gateway } : {}),
      ...(iface?.mac ? { mac: iface.mac } : {}),
    };
  }

  private recordPath(podId: string): string {
    return join(this.recordsDir, `${podId}.json`);
  }

  private async readRecord(podId: string): Promise<AttachmentRecord | undefined> {
    return readJsonFile<AttachmentRecord>(this.recordPath(podId));
  }

  private async writeRecord(record: AttachmentRecord): Promise<void> {
    // The directory is made once per process; made again if something removed it since.
    if (!this.recordsDirMade) {
      mkdirSync(this.recordsDir, { recursive: true });
      this.recordsDirMade = true;
    }
    const write = (): void => writeFileAtomic(this.recordPath(record.podId), JSON.stringify(record));
    try {
      write();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(this.recordsDir, { recursive: true });
      write();
    }
  }
}
