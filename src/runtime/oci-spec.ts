// Builds an OCI runtime spec (config.json for runc) from a neutral ContainerConfig.
// Defaults follow containerd's CRI plugin: minimal capabilities, masked/readonly /proc paths, default mounts.
import type { ContainerConfig, ContainerMount } from './container-config.js';
import { runtimeDefaultSeccomp, type OciSeccomp } from './seccomp.js';

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user';
  path?: string;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[] };
    rlimits: Array<{ type: string; soft: number; hard: number }>;
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    cgroupsPath: string;
    namespaces: OciNamespace[];
    resources: {
      devices: OciDeviceRule[];
      memory?: { limit?: number; swap?: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    sysctl?: Record<string, string>;
    seccomp?: OciSeccomp;
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
] as const;

/** Every capability runc 1.1 knows (Linux 5.x), granted to privileged containers. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Kubernetes' MilliCPUToShares / MilliCPUToQuota (pkg/kubelet/cm/helpers_linux.go).
const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD_US = 100000;
const MIN_QUOTA_US = 1000;

export function milliCpuToShares(milliCpu: number | undefined): number {
  if (!milliCpu || milliCpu <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

export function milliCpuToQuota(milliCpu: number, period = QUOTA_PERIOD_US): number {
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * period) / 1000));
}

/** Normalises "NET_ADMIN", "net_admin" or "CAP_NET_ADMIN" to "CAP_NET_ADMIN"; "ALL" stays "ALL". */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return upper;
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export function effectiveCapabilities(config: Pick<ContainerConfig, 'privileged' | 'capabilities'>): string[] {
  if (config.privileged) return [...ALL_CAPABILITIES];
  const add = (config.capabilities?.add ?? []).map(normaliseCapability);
  const drop = (config.capabilities?.drop ?? []).map(normaliseCapability);
  let caps: string[] = add.includes('ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  for (const cap of add) if (cap !== 'ALL' && !caps.includes(cap)) caps.push(cap);
  if (drop.includes('ALL')) caps = add.filter((c) => c !== 'ALL');
  caps = caps.filter((c) => !drop.includes(c));
  return caps;
}

function defaultMounts(privileged: boolean): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
  ];
}

function toOciMount(mount: ContainerMount): OciMount {
  const type = mount.type ?? 'bind';
  const options = [...(mount.options ?? [])];
  if (type === 'bind') options.unshift('rbind', 'rprivate');
  else options.unshift('nosuid', 'nodev');
  options.push(mount.readOnly ? 'ro' : 'rw');
  return { destination: mount.destination, type, source: mount.source, options };
}

export function buildOciSpec(config: ContainerConfig): OciSpec {
  const privileged = config.privileged ?? false;
  const caps = effectiveCapabilities(config);
  const env = config.env ?? [];
  const withPath = env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH_ENV, ...env];

  // User mounts replace a default mount at the same destination (e.g. a pod-wide /dev/shm).
  const userMounts = (config.mounts ?? []).map(toOciMount);
  const userDestinations = new Set(userMounts.map((m) => m.destination));
  const mounts = [...defaultMounts(privileged).filter((m) => !userDestinations.has(m.destination)), ...userMounts];

  const ns = config.namespaces ?? {};
  const namespaces: OciNamespace[] = [
    ns.pid ? { type: 'pid', path: ns.pid } : { type: 'pid' },
    ns.network ? { type: 'network', path: ns.network } : { type: 'network' },
    ns.ipc ? { type: 'ipc', path: ns.ipc } : { type: 'ipc' },
    ns.uts ? { type: 'uts', path: ns.uts } : { type: 'uts' },
    { type: 'mount' },
    { type: 'cgroup' },
  ];

  const res = config.resources ?? {};
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: privileged, access: 'rwm' }],
    cpu: { shares: milliCpuToShares(res.cpuRequestMilli) },
  };
  if (res.cpuLimitMilli && res.cpuLimitMilli > 0) {
    resources.cpu = { ...resources.cpu, quota: milliCpuToQuota(res.cpuLimitMilli), period: QUOTA_PERIOD_US };
  }
  // swap == limit: no swap on top of the memory limit, so the limit is a real OOM boundary.
  if (res.memoryLimitBytes && res.memoryLimitBytes > 0) {
    resources.memory = { limit: res.memoryLimitBytes, swap: res.memoryLimitBytes };
  }
  if (res.pidsLimit && res.pidsLimit > 0) resources.pids = { limit: res.pidsLimit };

  const annotations = { ...(config.annotations ?? {}) };
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: {
        uid: config.user?.uid ?? 0,
        gid: config.user?.gid ?? 0,
        ...(config.user?.additionalGids?.length ? { additionalGids: config.user.additionalGids } : {}),
      },
      args: config.args,
      env: withPath,
      cwd: config.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      // Without explicit rlimits the container inherits the runtime's (raising them needs CAP_SYS_RESOURCE).
      rlimits: config.rlimits ?? [],
      noNewPrivileges: config.noNewPrivileges ?? !privileged,
      ...(config.oomScoreAdj !== undefined ? { oomScoreAdj: config.oomScoreAdj } : {}),
    },
    root: { path: config.rootfs, readonly: config.readonlyRootfs ?? false },
    ...(config.hostname ? { hostname: config.hostname } : {}),
    mounts,
    ...(Object.keys(annotations).length ? { annotations } : {}),
    linux: {
      cgroupsPath: config.cgroupsPath,
      namespaces,
      resources,
      ...(config.sysctls && Object.keys(config.sysctls).length ? { sysctl: config.sysctls } : {}),
      ...(config.seccomp === 'RuntimeDefault' && !privileged ? { seccomp: runtimeDefaultSeccomp() } : {}),
      ...(privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
    },
  };
  return spec;
}
