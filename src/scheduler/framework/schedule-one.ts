import type { ClusterState } from './cluster-state.js';
import type { NodeInfo } from './node-info.js';
import type { CycleContext, FilterFailure } from './plugin.js';
import type { PodInfo } from './pod-info.js';
import type { Profile } from './profile.js';

export interface Diagnosis {
  totalNodes: number;
  /** Per failed node, why. */
  failures: Map<string, FilterFailure>;
  /** Set when a preFilter rejected the pod for every node. */
  preFilterFailure?: FilterFailure;
  /** Filled by preemption when it was tried and could not help. */
  postFilterMessage?: string;
}

export type ScheduleResult =
  | { ok: true; nodeName: string; evaluatedNodes: number; feasibleNodes: number }
  | { ok: false; diagnosis: Diagnosis };

/** kube-scheduler's adaptive sample: all nodes below 100, else 50% − nodes/125 (at least 5%, at least 100 nodes). */
export function numFeasibleNodesToFind(totalNodes: number, percentage: number): number {
  if (totalNodes < 100) return totalNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(5, 50 - Math.floor(totalNodes / 125));
  return Math.max(100, Math.floor((totalNodes * pct) / 100));
}

export function newCycle(pod: PodInfo, state: ClusterState): CycleContext {
  return { pod, state, data: new Map() };
}

/** Runs every active filter on one node; the first failure wins (as in kube-scheduler). */
export function runFilters(ctx: CycleContext, profile: Profile, skipped: Set<string>, node: NodeInfo): FilterFailure | undefined {
  for (const { plugin } of profile.plugins) {
    if (!plugin.filter || skipped.has(plugin.name)) continue;
    const failure = plugin.filter(ctx, node);
    if (failure) return failure;
  }
  return undefined;
}

/** PreFilter of every plugin: the set of plugins to skip, or a failure that rules out every node. */
export function runPreFilters(ctx: CycleContext, profile: Profile): { skipped: Set<string>; failure?: FilterFailure } {
  const skipped = new Set<string>();
  for (const { plugin } of profile.plugins) {
    if (!plugin.preFilter) continue;
    const result = plugin.preFilter(ctx);
    if (result === 'skip') skipped.add(plugin.name);
    else if (result) return { skipped, failure: result };
  }
  return { skipped };
}

/**
 * One scheduling cycle for one pod: pre-filter, filter nodes (round-robin from where the last cycle stopped,
 * until enough feasible nodes are found), score them, pick the best (ties broken at random).
 */
export function scheduleOne(pod: PodInfo, state: ClusterState, profile: Profile, random: () => number = Math.random): ScheduleResult {
  const nodes = state.nodeList;
  const diagnosis: Diagnosis = { totalNodes: nodes.length, failures: new Map() };
  if (nodes.length === 0) return { ok: false, diagnosis };
  const ctx = newCycle(pod, state);
  const pre = runPreFilters(ctx, profile);
  if (pre.failure) {
    diagnosis.preFilterFailure = pre.failure;
    for (const node of nodes) diagnosis.failures.set(node.name, pre.failure);
    return { ok: false, diagnosis };
  }

  const wanted = numFeasibleNodesToFind(nodes.length, profile.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const start = state.nextStartIndex % nodes.length;
  let evaluated = 0;
  for (; evaluated < nodes.length && feasible.length < wanted; evaluated++) {
    const node = nodes[(start + evaluated) % nodes.length]!;
    const failure = runFilters(ctx, profile, pre.skipped, node);
    if (failure) diagnosis.failures.set(node.name, failure);
    else feasible.push(node);
  }
  state.nextStartIndex = (start + evaluated) % nodes.length;
  if (feasible.length === 0) return { ok: false, diagnosis };
  if (feasible.length === 1) return { ok: true, nodeName: feasible[0]!.name, evaluatedNodes: evaluated, feasibleNodes: 1 };

  const totals = new Array<number>(feasible.length).fill(0);
  for (const { plugin, weight } of profile.plugins) {
    if (!plugin.score || weight === 0) continue;
    if (plugin.preScore?.(ctx, feasible) === 'skip') continue;
    const scores = feasible.map((node) => plugin.score!(ctx, node));
    plugin.normalize?.(ctx, scores);
    for (let i = 0; i < scores.length; i++) totals[i]! += scores[i]! * weight;
  }
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i]! > totals[best]!) { best = i; ties = 1; }
    else if (totals[i] === totals[best] && random() * ++ties < 1) best = i;
  }
  return { ok: true, nodeName: feasible[best]!.name, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
}
