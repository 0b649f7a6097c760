import type { CycleContext, Plugin } from '../framework/plugin.js';
import type { NodeInfo } from '../framework/node-info.js';
import { addInto, emptyResources, type Resources } from '../framework/resources.js';

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

/** Requests of pods nominated to this node by preemption with at least this pod's priority. */
function nominatedRequests(ctx: CycleContext, node: NodeInfo): Resources | undefined {
  const nominated = ctx.state.nominated.get(node.name);
  if (!nominated) return undefined;
  let total: Resources | undefined;
  for (const pod of nominated.values()) {
    if (pod.key === ctx.pod.key || pod.priority < ctx.pod.priority) continue;
    total ??= emptyResources();
    addInto(total, pod.requests);
  }
  return total;
}

/** The reasons a node lacks room for the pod, as kube-scheduler words them. */
export function insufficientResources(ctx: CycleContext, node: NodeInfo): string[] {
  const want = ctx.pod.requests;
  const used = node.requested;
  const extra = nominatedRequests(ctx, node);
  const free = node.allocatable;
  const reasons: string[] = [];
  if (used.pods + (extra?.pods ?? 0) + 1 > free.pods) reasons.push('Too many pods');
  if (want.milliCpu > 0 && used.milliCpu + (extra?.milliCpu ?? 0) + want.milliCpu > free.milliCpu) reasons.push('Insufficient cpu');
  if (want.memory > 0 && used.memory + (extra?.memory ?? 0) + want.memory > free.memory) reasons.push('Insufficient memory');
  if (want.ephemeralStorage > 0 && used.ephemeralStorage + (extra?.ephemeralStorage ?? 0) + want.ephemeralStorage > free.ephemeralStorage) {
    reasons.push('Insufficient ephemeral-storage');
  }
  return reasons;
}

function fraction(requested: number, allocatable: number): number {
  return allocatable <= 0 ? 1 : Math.min(1, requested / allocatable);
}

/**
 * Filters nodes without room for the pod's requests (cpu, memory, ephemeral-storage, pod count) and scores
 * the rest: LeastAllocated spreads load, MostAllocated bin-packs. Scoring uses the non-zero requests.
 */
export function nodeResourcesFit(strategy: ScoringStrategy = 'LeastAllocated'): Plugin {
  return {
    name: 'NodeResourcesFit',
    filter(ctx, node) {
      const reasons = insufficientResources(ctx, node);
      return reasons.length > 0 ? { reasons } : undefined;
    },
    score(ctx, node) {
      const cpu = fraction(node.nonZeroRequested.milliCpu + ctx.pod.nonZero.milliCpu, node.allocatable.milliCpu);
      const mem = fraction(node.nonZeroRequested.memory + ctx.pod.nonZero.memory, node.allocatable.memory);
      const used = (cpu + mem) / 2;
      return Math.round((strategy === 'MostAllocated' ? used : 1 - used) * 100);
    },
  };
}

/** Favours nodes whose cpu and memory would be equally used (1 - standard deviation of the fractions). */
export const balancedAllocation: Plugin = {
  name: 'NodeResourcesBalancedAllocation',
  score(ctx, node) {
    const cpu = fraction(node.nonZeroRequested.milliCpu + ctx.pod.nonZero.milliCpu, node.allocatable.milliCpu);
    const mem = fraction(node.nonZeroRequested.memory + ctx.pod.nonZero.memory, node.allocatable.memory);
    const std = Math.abs(cpu - mem) / 2;
    return Math.round((1 - std) * 100);
  },
};
