import type { ClusterState } from './cluster-state.js';
import type { PodInfo } from './pod-info.js';
import type { Profile } from './profile.js';
import { newCycle, runFilters, runPreFilters, type Diagnosis } from './schedule-one.js';

export type PreemptionResult =
  | { ok: true; nodeName: string; victims: PodInfo[] }
  | { ok: false; message: string };

function fitsOn(pod: PodInfo, nodeName: string, state: ClusterState, profile: Profile): boolean {
  const node = state.nodes.get(nodeName);
  if (!node) return false;
  const ctx = newCycle(pod, state);
  const pre = runPreFilters(ctx, profile);
  return !pre.failure && !runFilters(ctx, profile, pre.skipped, node);
}

/** Victims on one node: lowest-priority pods whose removal lets the pod fit, keeping as many as possible. */
function victimsOn(pod: PodInfo, nodeName: string, state: ClusterState, profile: Profile): PodInfo[] | undefined {
  const node = state.nodes.get(nodeName)!;
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority && !p.terminating);
  if (lower.length === 0) return undefined;
  for (const victim of lower) state.removePod(victim.key);
  try {
    if (!fitsOn(pod, nodeName, state, profile)) return undefined;
    // Reprieve: put back the most important pods first while the preemptor still fits.
    const ordered = [...lower].sort((a, b) => b.priority - a.priority || a.key.localeCompare(b.key));
    const victims: PodInfo[] = [];
    for (const candidate of ordered) {
      state.setPod(candidate);
      if (!fitsOn(pod, nodeName, state, profile)) {
        state.removePod(candidate.key);
        victims.push(candidate);
      }
    }
    return victims;
  } finally {
    for (const victim of lower) if (!state.pods.has(victim.key)) state.setPod(victim);
  }
}

function cost(victims: PodInfo[]): [number, number, number] {
  let highest = -Infinity;
  let sum = 0;
  for (const v of victims) { highest = Math.max(highest, v.priority); sum += v.priority; }
  return [highest, sum, victims.length];
}

/**
 * kube-scheduler's DefaultPreemption: among nodes where only resolvable filters failed, find the cheapest set of
 * lower-priority victims (lowest highest-priority victim, then lowest priority sum, then fewest victims).
 */
export function findPreemption(pod: PodInfo, state: ClusterState, profile: Profile, diagnosis: Diagnosis): PreemptionResult {
  const histogram = new Map<string, number>();
  const note = (reason: string) => histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  const message = () =>
    `preemption: 0/${diagnosis.totalNodes} nodes are available: ${[...histogram].map(([r, n]) => `${n} ${r}`).sort().join(', ')}`;

  if (pod.pod.spec?.preemptionPolicy === 'Never') {
    return { ok: false, message: `preemption: not eligible due to preemptionPolicy=Never` };
  }
  let best: { nodeName: string; victims: PodInfo[]; cost: [number, number, number] } | undefined;
  const limit = Math.max(100, Math.ceil(state.nodeList.length / 10));
  let tried = 0;
  for (const node of state.nodeList) {
    const failure = diagnosis.failures.get(node.name);
    if (!failure || failure.unresolvable || diagnosis.preFilterFailure) { note('Preemption is not helpful for scheduling'); continue; }
    if (tried >= limit) continue;
    tried++;
    const victims = victimsOn(pod, node.name, state, profile);
    if (!victims || victims.length === 0) { note('No preemption victims found for incoming pod'); continue; }
    const c = cost(victims);
    if (!best || c[0] < best.cost[0] || (c[0] === best.cost[0] && (c[1] < best.cost[1] || (c[1] === best.cost[1] && c[2] < best.cost[2])))) {
      best = { nodeName: node.name, victims, cost: c };
    }
  }
  if (!best) return { ok: false, message: message() };
  return { ok: true, nodeName: best.nodeName, victims: best.victims };
}
