import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { addInto, emptyResources, nodeAllocatable, type Resources } from './resources.js';
import type { PodInfo } from './pod-info.js';

/** A node with everything bound (or assumed) to it, kept current by the scheduler cache. */
export class NodeInfo {
  node!: Node;
  name: string;
  labels: Record<string, string> = {};
  allocatable: Resources = emptyResources();
  taints: Taint[] = [];
  unschedulable = false;
  /** image name (as written in pod specs and node.status.images names) → size in bytes */
  images = new Map<string, number>();
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested = { milliCpu: 0, memory: 0 };
  readonly usedPorts = new Map<string, number>();

  constructor(node: Node) {
    this.name = node.metadata?.name ?? '';
    this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata?.labels ?? {};
    this.allocatable = nodeAllocatable(node);
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = Boolean(node.spec?.unschedulable);
    this.images = new Map();
    for (const image of node.status?.images ?? []) {
      for (const name of image.names ?? []) this.images.set(name, image.sizeBytes ?? 0);
    }
  }

  addPod(pod: PodInfo): void {
    if (this.pods.has(pod.key)) this.removePod(pod.key);
    this.pods.set(pod.key, pod);
    addInto(this.requested, pod.requests);
    this.nonZeroRequested.milliCpu += pod.nonZero.milliCpu;
    this.nonZeroRequested.memory += pod.nonZero.memory;
    for (const port of pod.hostPorts) this.usedPorts.set(port, (this.usedPorts.get(port) ?? 0) + 1);
  }

  removePod(key: string): PodInfo | undefined {
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    this.pods.delete(key);
    addInto(this.requested, pod.requests, -1);
    this.nonZeroRequested.milliCpu -= pod.nonZero.milliCpu;
    this.nonZeroRequested.memory -= pod.nonZero.memory;
    for (const port of pod.hostPorts) {
      const n = (this.usedPorts.get(port) ?? 1) - 1;
      if (n <= 0) this.usedPorts.delete(port);
      else this.usedPorts.set(port, n);
    }
    return pod;
  }
}
