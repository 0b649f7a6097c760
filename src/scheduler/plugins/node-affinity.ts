import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';
import type { Plugin } from '../framework/plugin.js';
import { normalizeToMax } from '../framework/plugin.js';
import type { NodeInfo } from '../framework/node-info.js';

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (req.operator) {
    case 'In': return value !== undefined && (req.values ?? []).includes(value);
    case 'NotIn': return value === undefined || !(req.values ?? []).includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const bound = Number((req.values ?? [])[0]);
      if (!Number.isInteger(bound)) return false;
      return req.operator === 'Gt' ? Number(value) > bound : Number(value) < bound;
    }
    default: return false;
  }
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function termMatchesNode(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementMatches(r, node.labels[r.key]))
    && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.name));
}

/** spec.nodeSelector and required node affinity (terms ORed) — what every placement must honour. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: NodeInfo): boolean {
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (node.labels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return (required.nodeSelectorTerms ?? []).some((t) => termMatchesNode(t, node));
  return true;
}

/** Filters on nodeSelector and required node affinity; scores by the weights of matching preferred terms. */
export const nodeAffinity: Plugin = {
  name: 'NodeAffinity',
  preFilter(ctx) {
    const spec = ctx.pod.pod.spec;
    const hasSelector = spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0;
    return hasSelector || spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? undefined : 'skip';
  },
  filter(ctx, node) {
    if (podMatchesNodeSelectorAndAffinity(ctx.pod.pod, node)) return undefined;
    return { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true };
  },
  preScore: (ctx) => (ctx.pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? undefined : 'skip'),
  score(ctx, node) {
    let total = 0;
    for (const term of ctx.pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (term.weight !== 0 && termMatchesNode(term.preference, node)) total += term.weight;
    }
    return total;
  },
  normalize: (_ctx, scores) => normalizeToMax(scores),
};
