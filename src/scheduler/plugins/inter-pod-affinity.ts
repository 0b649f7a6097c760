import type { CycleContext, FilterFailure, Plugin } from '../framework/plugin.js';
import type { ResolvedTerm } from '../framework/cluster-state.js';
import type { NodeInfo } from '../framework/node-info.js';

interface AffinityData {
  affinity: Array<{ topologyKey: string; perDomain: Map<string, number> }>;
  /** No pod matches the affinity terms anywhere, but the pod matches them itself: the first of its group. */
  selfAffinityBootstrap: boolean;
  anti: Array<{ topologyKey: string; perDomain: Map<string, number> }>;
  /** topologyKey → domains where existing pods' anti-affinity forbids this pod */
  forbidden: Map<string, Set<string>>;
}

interface ScoreData {
  terms: Array<{ topologyKey: string; perDomain: Map<string, number>; weight: number }>;
}

const NAME = 'InterPodAffinity';

function domainCounts(ctx: CycleContext, resolved: ResolvedTerm): Map<string, number> {
  return ctx.state.matchingPodsPerDomain(resolved, resolved.term.topologyKey);
}

/**
 * Required and preferred inter-pod affinity and anti-affinity, in any topology and across namespaces, including
 * the symmetric rule: a pod may not land where an existing pod's required anti-affinity forbids it.
 */
export const interPodAffinity: Plugin = {
  name: NAME,
  preFilter(ctx) {
    const { pod, state } = ctx;
    const data: AffinityData = { affinity: [], selfAffinityBootstrap: false, anti: [], forbidden: new Map() };
    let anyAffinityMatch = false;
    let podMatchesOwnTerms = true;
    for (const term of pod.requiredAffinity) {
      const resolved = state.resolveTerm(term, pod.namespace);
      const perDomain = domainCounts(ctx, resolved);
      if (perDomain.size > 0) anyAffinityMatch = true;
      if (!state.termMatches(resolved, pod)) podMatchesOwnTerms = false;
      data.affinity.push({ topologyKey: term.topologyKey, perDomain });
    }
    data.selfAffinityBootstrap = pod.requiredAffinity.length > 0 && !anyAffinityMatch && podMatchesOwnTerms;
    for (const term of pod.requiredAntiAffinity) {
      data.anti.push({ topologyKey: term.topologyKey, perDomain: domainCounts(ctx, state.resolveTerm(term, pod.namespace)) });
    }
    for (const group of state.antiAffinityGroups.values()) {
      if (!state.termMatches(group.resolved, pod)) continue;
      let domains = data.forbidden.get(group.topologyKey);
      if (!domains) data.forbidden.set(group.topologyKey, (domains = new Set()));
      for (const nodeName of group.perNode.keys()) {
        const value = state.nodes.get(nodeName)?.labels[group.topologyKey];
        if (value !== undefined) domains.add(value);
      }
    }
    if (data.affinity.length === 0 && data.anti.length === 0 && data.forbidden.size === 0) return 'skip';
    ctx.data.set(NAME, data);
    return undefined;
  },
  filter(ctx, node): FilterFailure | undefined {
    const data = ctx.data.get(NAME) as AffinityData;
    // kube-scheduler's order: the pod's own affinity, its anti-affinity, then existing pods' anti-affinity.
    for (const term of data.affinity) {
      const value = node.labels[term.topologyKey];
      const ok = value !== undefined && (data.selfAffinityBootstrap || (term.perDomain.get(value) ?? 0) > 0);
      if (!ok) return { reasons: ["node(s) didn't match pod affinity rules"], unresolvable: true };
    }
    for (const term of data.anti) {
      const value = node.labels[term.topologyKey];
      if (value !== undefined && (term.perDomain.get(value) ?? 0) > 0) return { reasons: ["node(s) didn't match pod anti-affinity rules"] };
    }
    for (const [topologyKey, domains] of data.forbidden) {
      const value = node.labels[topologyKey];
      if (value !== undefined && domains.has(value)) return { reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"] };
    }
    return undefined;
  },
  preScore(ctx) {
    const { pod, state } = ctx;
    if (pod.preferredAffinity.length === 0 && pod.preferredAntiAffinity.length === 0) return 'skip';
    const terms: ScoreData['terms'] = [];
    for (const term of pod.preferredAffinity) {
      terms.push({ topologyKey: term.topologyKey, perDomain: domainCounts(ctx, state.resolveTerm(term, pod.namespace)), weight: term.weight });
    }
    for (const term of pod.preferredAntiAffinity) {
      terms.push({ topologyKey: term.topologyKey, perDomain: domainCounts(ctx, state.resolveTerm(term, pod.namespace)), weight: -term.weight });
    }
    ctx.data.set(`${NAME}/score`, { terms } satisfies ScoreData);
    return undefined;
  },
  score(ctx, node: NodeInfo) {
    const data = ctx.data.get(`${NAME}/score`) as ScoreData;
    let total = 0;
    for (const term of data.terms) {
      const value = node.labels[term.topologyKey];
      if (value !== undefined) total += term.weight * (term.perDomain.get(value) ?? 0);
    }
    return total;
  },
  normalize(_ctx, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) { if (s < min) min = s; if (s > max) max = s; }
    for (let i = 0; i < scores.length; i++) scores[i] = max === min ? 0 : ((scores[i]! - min) * 100) / (max - min);
  },
};
