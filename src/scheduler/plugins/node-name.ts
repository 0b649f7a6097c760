import type { Plugin } from '../framework/plugin.js';

/** A pod that names its node (spec.nodeName) fits only there. */
export const nodeName: Plugin = {
  name: 'NodeName',
  filter(ctx, node) {
    const wanted = ctx.pod.pod.spec?.nodeName;
    if (!wanted || wanted === node.name) return undefined;
    return { reasons: ["node(s) didn't match the requested node name"], unresolvable: true };
  },
};
