import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { CycleContext, Plugin } from '../framework/plugin.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { ResolvedTerm } from '../framework/cluster-state.js';
import { compileLabelSelector, selectorKey } from '../framework/label-match.js';
import { podMatchesNodeSelectorAndAffinity } from './node-affinity.js';
import { toleratesAll } from './tolerations.js';

interface ConstraintState {
  constraint: TopologySpreadConstraint;
  topologyKey: string;
  maxSkew: number;
  perDomain: Map<string, number>;
  /** Smallest match count over eligible domains (0 when there are fewer domains than minDomains). */
  minMatch: number;
  domainCount: number;
  selfMatch: number;
}

const NAME = 'PodTopologySpread';

function constraintsOf(ctx: CycleContext, mode: 'DoNotSchedule' | 'ScheduleAnyway'): TopologySpreadConstraint[] {
  return (ctx.pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === mode);
}

/**
 * Nodes that count for spreading: they carry every topology key, match the pod's node selector/affinity
 * (nodeAffinityPolicy Honor, the default) and, with nodeTaintsPolicy Honor, have no taint the pod does not tolerate.
 */
function eligible(ctx: CycleContext, constraints: TopologySpreadConstraint[]): (node: NodeInfo) => boolean {
  const keys = constraints.map((c) => c.topologyKey);
  const honorAffinity = constraints.some((c) => (c.nodeAffinityPolicy ?? 'Honor') === 'Honor');
  const honorTaints = constraints.some((c) => c.nodeTaintsPolicy === 'Honor');
  const tolerations = ctx.pod.pod.spec?.tolerations;
  return (node) => keys.every((k) => node.labels[k] !== undefined)
    && (!honorAffinity || podMatchesNodeSelectorAndAffinity(ctx.pod.pod, node))
    && (!honorTaints || node.taints.every((t) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || toleratesAll(tolerations, t)));
}

function computeStates(ctx: CycleContext, constraints: TopologySpreadConstraint[]): ConstraintState[] {
  const isEligible = eligible(ctx, constraints);
  // Which nodes are eligible depends only on the nodes and on what of the pod the policies read: memoize per shape.
  const spec = ctx.pod.pod.spec;
  const shape = JSON.stringify([
    constraints.map((c) => [c.topologyKey, c.nodeAffinityPolicy ?? 'Honor', c.nodeTaintsPolicy ?? 'Ignore']),
    spec?.nodeSelector, spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    constraints.some((c) => c.nodeTaintsPolicy === 'Honor') ? spec?.tolerations : null,
  ]);
  const eligibleNodes = ctx.state.memoOverNodes(`spread-eligible:${shape}`, () => ctx.state.nodeList.filter(isEligible));
  return constraints.map((constraint) => {
    const resolved: ResolvedTerm = {
      term: { selector: compileLabelSelector(constraint.labelSelector), selectorKey: selectorKey(constraint.labelSelector), topologyKey: constraint.topologyKey, namespaces: [], weight: 1 },
      namespaces: new Set([ctx.pod.namespace]),
      key: `${ctx.pod.namespace}|${selectorKey(constraint.labelSelector)}`,
    };
    const counted = ctx.state.matchingPodsPerDomain(resolved, constraint.topologyKey, isEligible);
    const domains = ctx.state.memoOverNodes(`spread-domains:${shape}:${constraint.topologyKey}`,
      () => [...new Set(eligibleNodes.map((node) => node.labels[constraint.topologyKey]!))]);
    const perDomain = new Map<string, number>();
    for (const domain of domains) perDomain.set(domain, counted.get(domain) ?? 0);
    let minMatch = Infinity;
    for (const count of perDomain.values()) minMatch = Math.min(minMatch, count);
    if (!Number.isFinite(minMatch) || perDomain.size < (constraint.minDomains ?? 1)) minMatch = 0;
    return {
      constraint,
      topologyKey: constraint.topologyKey,
      maxSkew: constraint.maxSkew,
      perDomain,
      minMatch,
      domainCount: perDomain.size,
      selfMatch: ctx.state.termMatches(resolved, ctx.pod) ? 1 : 0,
    };
  });
}

/** Pod topology spread constraints: hard (DoNotSchedule, with maxSkew and minDomains) and soft (ScheduleAnyway). */
export const podTopologySpread: Plugin = {
  name: NAME,
  preFilter(ctx) {
    const constraints = constraintsOf(ctx, 'DoNotSchedule');
    if (constraints.length === 0) return 'skip';
    ctx.data.set(NAME, computeStates(ctx, constraints));
    return undefined;
  },
  filter(ctx, node) {
    for (const state of ctx.data.get(NAME) as ConstraintState[]) {
      const domain = node.labels[state.topologyKey];
      if (domain === undefined) {
        return { reasons: ["node(s) didn't match pod topology spread constraints (missing required label)"], unresolvable: true };
      }
      const skew = (state.perDomain.get(domain) ?? 0) + state.selfMatch - state.minMatch;
      if (skew > state.maxSkew) return { reasons: ["node(s) didn't match pod topology spread constraints"] };
    }
    return undefined;
  },
  preScore(ctx) {
    const constraints = constraintsOf(ctx, 'ScheduleAnyway');
    if (constraints.length === 0) return 'skip';
    ctx.data.set(`${NAME}/score`, computeStates(ctx, constraints));
    return undefined;
  },
  score(ctx, node) {
    let total = 0;
    for (const state of ctx.data.get(`${NAME}/score`) as ConstraintState[]) {
      const domain = node.labels[state.topologyKey];
      if (domain === undefined) continue;
      // Fewer matching pods in the node's domain is better; weight constraints by how many domains they span.
      total += ((state.perDomain.get(domain) ?? 0) + state.maxSkew - 1) * Math.log(state.domainCount + 2);
    }
    return total;
  },
  normalize(_ctx, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) { if (s < min) min = s; if (s > max) max = s; }
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 100 : (100 * (max + min - scores[i]!)) / max;
  },
};
