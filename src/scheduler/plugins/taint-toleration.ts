import type { Plugin } from '../framework/plugin.js';
import { normalizeToMax } from '../framework/plugin.js';
import { toleratesAll } from './tolerations.js';

/**
 * NoSchedule and NoExecute taints keep out pods that do not tolerate them; PreferNoSchedule taints only lower
 * the node's score.
 */
export const taintToleration: Plugin = {
  name: 'TaintToleration',
  filter(ctx, node) {
    const tolerations = ctx.pod.pod.spec?.tolerations;
    for (const taint of node.taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!toleratesAll(tolerations, taint)) {
        return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], unresolvable: true };
      }
    }
    return undefined;
  },
  score(ctx, node) {
    const tolerations = (ctx.pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let intolerable = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !toleratesAll(tolerations, taint)) intolerable++;
    }
    return intolerable;
  },
  normalize: (_ctx, scores) => normalizeToMax(scores, true),
};
