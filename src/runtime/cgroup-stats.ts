// Reads a container's usage straight from its cgroup v1 files: cheap enough to poll every few seconds.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CGROUP_V1_ROOT = '/sys/fs/cgroup';

export interface ContainerStats {
  timestamp: Date;
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageNanos: number;
  memoryUsageBytes: number;
  /** usage minus inactive file cache: what Kubernetes reports and evicts on. */
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  memoryLimitBytes?: number;
  pids: number;
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function readKeyed(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      const [k, v] = line.split(' ');
      if (k && v) out.set(k, Number(v));
    }
  } catch {
    // cgroup gone: report zeros
  }
  return out;
}

export function cgroupDir(controller: string, cgroupsPath: string, root = CGROUP_V1_ROOT): string {
  return join(root, controller, cgroupsPath);
}

/** Kernel memory limit value meaning "no limit" on v1 (page-rounded LONG_MAX). */
const UNLIMITED = 0x7ffffffffffff000;

export async function readCgroupStats(cgroupsPath: string, root = CGROUP_V1_ROOT): Promise<ContainerStats> {
  const mem = cgroupDir('memory', cgroupsPath, root);
  const [cpu, usage, limit, stat, pids] = await Promise.all([
    readNumber(join(cgroupDir('cpuacct', cgroupsPath, root), 'cpuacct.usage')),
    readNumber(join(mem, 'memory.usage_in_bytes')),
    readNumber(join(mem, 'memory.limit_in_bytes')),
    readKeyed(join(mem, 'memory.stat')),
    readNumber(join(cgroupDir('pids', cgroupsPath, root), 'pids.current')),
  ]);
  const used = usage ?? 0;
  const inactiveFile = stat.get('total_inactive_file') ?? 0;
  return {
    timestamp: new Date(),
    cpuUsageNanos: cpu ?? 0,
    memoryUsageBytes: used,
    memoryWorkingSetBytes: Math.max(0, used - inactiveFile),
    memoryRssBytes: stat.get('total_rss') ?? 0,
    ...(limit !== undefined && limit < UNLIMITED ? { memoryLimitBytes: limit } : {}),
    pids: pids ?? 0,
  };
}
