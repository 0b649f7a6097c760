// Pod networking for one node with the standard CNI plugins: a Linux bridge per node (bridge), addresses
// from the node's pod CIDR (host-local), optional host ports (portmap). Each pod gets a named network
// namespace that all its containers join.
//
// Cross-host (later): other nodes' pod CIDRs become routes (host-gw) or go over a VXLAN device, with
// `mtu: 1450` here for the overlay; nothing in this file needs to change for that beyond the MTU.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { tryRun } from './command.js';
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
}

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
  state: 'adding' | 'ready';
  portMappings?: PortMapping[];
  cniArgs?: Record<string, string>;
  result?: CniResult;
}

const POD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const IFNAME = 'eth0';

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

  /** The CNI network configuration list this node uses. */
  networkList(): CniNetworkList {
    const o = this.options;
    const plugins: CniNetworkList['plugins'] = [
      {
        type: 'bridge',
        bridge: this.bridgeName,
        isGateway: true,
        ipMasq: o.ipMasq ?? true,
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
    if (o.portMap ?? true) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { cniVersion: '1.0.0', name: this.networkName, plugins };
  }

  /** Host preparation: the safety routes. Called by setUp; cheap to call again. */
  async ensureHost(): Promise<void> {
    await ensureUnreachableRoutes(this.options.protectedCidrs ?? [DEFAULT_CLUSTER_POD_CIDR, DEFAULT_SERVICE_CIDR]);
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
      state: 'adding',
      ...(options.portMappings?.length ? { portMappings: options.portMappings } : {}),
      ...(options.cniArgs ? { cniArgs: options.cniArgs } : {}),
    };
    // Record the intent first so that gc() finds the pieces if we crash half-way.
    await this.writeRecord(record);
    try {
      const path = await createNetns(record.netnsName);
      record.result = await addNetworkList(this.binDir, this.networkList(), this.params(record, path));
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
    await checkNetworkList(this.binDir, this.networkList(), this.params(record, netnsPath(record.netnsName)), record.result);
  }

  async attachmentOf(podId: string): Promise<PodAttachment | undefined> {
    const record = await this.readRecord(podId);
    return record?.state === 'ready' && record.result ? this.attachment(record) : undefined;
  }

  /** Detaches the pod: CNI DEL (veth, IP reservation, NAT/port rules), then the netns. Idempotent. */
  async tearDown(podId: string): Promise<void> {
    const record = (await this.readRecord(podId)) ?? { podId, netnsName: this.netnsNameFor(podId), state: 'adding' as const };
    const path = (await netnsExists(record.netnsName)) ? netnsPath(record.netnsName) : '';
    let failure: unknown;
    try {
      await delNetworkList(this.binDir, this.networkList(), this.params(record, path), record.result);
    } catch (err) {
      failure = err;
    }
    await deleteNetns(record.netnsName);
    if (failure) throw failure; // the record stays so that a later tearDown/gc retries the DEL
    await rm(this.recordPath(podId), { force: true });
  }

  /** Pod ids with any trace on this node: records, namespaces, IP reservations. */
  async knownAttachments(): Promise<string[]> {
    const ids = new Set<string>();
    for (const f of await readdir(this.recordsDir).catch(() => [] as string[])) if (f.endsWith('.json')) ids.add(f.slice(0, -5));
    for (const ns of await listNetns(this.netnsPrefix)) ids.add(ns.slice(this.netnsPrefix.length));
    const ipamNet = join(this.ipamDir, this.networkName);
    for (const f of await readdir(ipamNet).catch(() => [] as string[])) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      const owner = (await readFile(join(ipamNet, f), 'utf8').catch(() => '')).split(/\r?\n/)[0]?.trim();
      if (owner) ids.add(owner);
    }
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
    await this.gc([]);
    await tryRun('ip', ['link', 'delete', this.bridgeName]);
    await removeIdlePortmapChains();
    await rm(this.options.stateDir, { recursive: true, force: true });
  }

  private params(record: AttachmentRecord, netns: string): CniRuntimeParams {
    return {
      containerId: record.podId,
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
    try {
      return JSON.parse(await readFile(this.recordPath(podId), 'utf8')) as AttachmentRecord;
    } catch {
      return undefined;
    }
  }

  private async writeRecord(record: AttachmentRecord): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    const tmp = `${this.recordPath(record.podId)}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, this.recordPath(record.podId));
  }
}
