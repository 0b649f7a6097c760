import type { ClusterState } from './cluster-state.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

/** Why a node cannot take the pod. `unresolvable`: evicting pods would not help (preemption skips it). */
export interface FilterFailure {
  reasons: string[];
  unresolvable?: boolean;
}

/** Everything one scheduling attempt of one pod shares between plugins. */
export interface CycleContext {
  pod: PodInfo;
  state: ClusterState;
  /** Per-plugin data computed in preFilter/preScore. */
  data: Map<string, unknown>;
}

/**
 * A scheduling plugin, kube-scheduler style: each extension point is optional.
 * preFilter may reject the pod outright (every node fails with its reason) or return 'skip' to drop the
 * plugin's filter for this pod; score returns a raw number that normalize maps onto 0..100.
 */
export interface Plugin {
  readonly name: string;
  preFilter?(ctx: CycleContext): FilterFailure | 'skip' | undefined;
  filter?(ctx: CycleContext, node: NodeInfo): FilterFailure | undefined;
  preScore?(ctx: CycleContext, nodes: NodeInfo[]): 'skip' | undefined;
  score?(ctx: CycleContext, node: NodeInfo): number;
  normalize?(ctx: CycleContext, scores: number[]): void;
}

export interface WeightedPlugin {
  plugin: Plugin;
  weight: number;
}

/** Scales scores so the highest becomes 100 (optionally reversed: the lowest raw score becomes 100). */
export function normalizeToMax(scores: number[], reverse = false): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) scores[i] = reverse ? 100 : 0;
    else scores[i] = reverse ? 100 - (scores[i]! * 100) / max : (scores[i]! * 100) / max;
  }
}
