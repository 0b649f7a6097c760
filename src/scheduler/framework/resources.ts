import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../api/quantity.js';

/** Resource amounts in the units the scheduler computes with. */
export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
}

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 });

/** Requests assumed for scoring when a container asks for nothing, as kube-scheduler does (100m, 200Mi). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type ResourceList = Record<string, string | number> | undefined;

function milli(list: ResourceList, name: string): number {
  const value = list?.[name];
  return value === undefined ? 0 : (tryParseQuantity(value)?.milliValue() ?? 0);
}

function units(list: ResourceList, name: string): number {
  const value = list?.[name];
  return value === undefined ? 0 : (tryParseQuantity(value)?.value() ?? 0);
}

function containerRequests(container: Container): Resources {
  // A limit without a request means the request equals the limit (API defaulting).
  const requests = { ...(container.resources?.limits as ResourceList), ...(container.resources?.requests as ResourceList) };
  return { milliCpu: milli(requests, 'cpu'), memory: units(requests, 'memory'), ephemeralStorage: units(requests, 'ephemeral-storage'), pods: 0 };
}

/**
 * What a pod asks of a node: the sum over app containers, at least the largest init container, plus overhead
 * (Kubernetes' effective request), and one pod slot.
 */
export function podRequests(pod: Pod): Resources {
  const total = emptyResources();
  for (const container of pod.spec?.containers ?? []) addInto(total, containerRequests(container));
  for (const init of pod.spec?.initContainers ?? []) {
    const r = containerRequests(init);
    total.milliCpu = Math.max(total.milliCpu, r.milliCpu);
    total.memory = Math.max(total.memory, r.memory);
    total.ephemeralStorage = Math.max(total.ephemeralStorage, r.ephemeralStorage);
  }
  const overhead = pod.spec?.overhead as ResourceList;
  if (overhead) {
    total.milliCpu += milli(overhead, 'cpu');
    total.memory += units(overhead, 'memory');
  }
  total.pods = 1;
  return total;
}

/** Requests with the scoring defaults applied to containers that request nothing. */
export function podNonZeroRequests(pod: Pod): { milliCpu: number; memory: number } {
  let milliCpu = 0;
  let memory = 0;
  for (const container of pod.spec?.containers ?? []) {
    const r = containerRequests(container);
    milliCpu += r.milliCpu || DEFAULT_MILLI_CPU_REQUEST;
    memory += r.memory || DEFAULT_MEMORY_REQUEST;
  }
  return { milliCpu, memory };
}

export function nodeAllocatable(node: Node): Resources {
  const list = (node.status?.allocatable ?? node.status?.capacity) as ResourceList;
  return {
    milliCpu: milli(list, 'cpu'),
    memory: units(list, 'memory'),
    ephemeralStorage: units(list, 'ephemeral-storage'),
    pods: units(list, 'pods') || 110,
  };
}

export function addInto(target: Resources, amount: Resources, sign = 1): void {
  target.milliCpu += sign * amount.milliCpu;
  target.memory += sign * amount.memory;
  target.ephemeralStorage += sign * amount.ephemeralStorage;
  target.pods += sign * amount.pods;
}
