// The node's status heartbeat: conditions from real readings (memory, disk, PIDs), the images it holds, and
// the Lease renewal (the cheap heartbeat the node controller watches).
import { readFile, statfs } from 'node:fs/promises';
import type { ContainerImage, Node } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { ApiClient } from '../client/api-client.js';
import { NODES } from '../client/resources.js';
import type { ImageStore } from '../runtime/images/image-store.js';
import { mergeConditions, readyConditions, type Pressure } from './node-object.js';
import { jsonEqual } from './pod-status.js';

export interface PressureThresholds {
  /** MemoryPressure when MemAvailable drops below this (kubelet: memory.available<100Mi). */
  memoryAvailableBytes: number;
  /** DiskPressure when free space on the agent root drops below this fraction (kubelet: nodefs.available<10%). */
  diskAvailableFraction: number;
  /** PIDPressure when this fraction of pid_max is in use. */
  pidUsedFraction: number;
}

export const DEFAULT_THRESHOLDS: PressureThresholds = { memoryAvailableBytes: 100 * 1024 * 1024, diskAvailableFraction: 0.1, pidUsedFraction: 0.9 };

export async function readPressure(root: string, t: PressureThresholds = DEFAULT_THRESHOLDS): Promise<Pressure> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const available = Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? NaN) * 1024;
  let diskFraction = 1;
  try {
    const fs = await statfs(root);
    diskFraction = fs.blocks > 0 ? fs.bavail / fs.blocks : 1;
  } catch {
    // unknown: no pressure
  }
  const loadavg = await readFile('/proc/loadavg', 'utf8').catch(() => '');
  const threads = Number(/\d+\/(\d+)/.exec(loadavg)?.[1] ?? 0);
  const pidMax = Number((await readFile('/proc/sys/kernel/pid_max', 'utf8').catch(() => '0')).trim()) || 0;
  return {
    memoryPressure: Number.isFinite(available) && available < t.memoryAvailableBytes,
    diskPressure: diskFraction < t.diskAvailableFraction,
    pidPressure: pidMax > 0 && threads / pidMax > t.pidUsedFraction,
  };
}

/** node.status.images as kubelet reports them: names (repo digest, tags) and size, biggest first, at most 50. */
export async function nodeImages(images: ImageStore): Promise<ContainerImage[]> {
  const byId = new Map<string, ContainerImage>();
  for (const info of await images.list()) {
    const entry = byId.get(info.id) ?? { names: [], sizeBytes: info.size };
    const tag = info.tag ? `${info.repository}:${info.tag}` : undefined;
    for (const name of [info.repoDigest, tag]) if (name && !entry.names!.includes(name)) entry.names!.push(name);
    byId.set(info.id, entry);
  }
  return [...byId.values()].sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0)).slice(0, 50);
}

export class NodeStatusReporter {
  private lastReport = 0;
  private lastImages: ContainerImage[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly root: string,
    private readonly images: ImageStore,
    private readonly logger: Logger,
    private readonly reportEveryMs = 60_000,
  ) {}

  /** Patches node status when a condition or the image list changed, or when the last report is old. */
  async report(current: Node | undefined, health: { ready: boolean; message: string } = { ready: true, message: '' }, now = new Date()): Promise<void> {
    const pressure = await readPressure(this.root);
    const fresh = readyConditions(now, pressure, health.ready, health.message);
    const { conditions, changed } = mergeConditions(current?.status?.conditions, fresh);
    const images = await nodeImages(this.images);
    const imagesChanged = !jsonEqual(images, this.lastImages);
    if (!changed && !imagesChanged && Date.now() - this.lastReport < this.reportEveryMs) return;
    await this.client.patch(NODES, this.nodeName, { status: { conditions, images } }, 'merge', { subresource: 'status' });
    this.lastReport = Date.now();
    this.lastImages = images;
    if (changed) this.logger.info({ pressure }, 'node conditions changed');
  }
}
