import type { Plugin } from '../framework/plugin.js';
import { toleratesAll } from './tolerations.js';

const unschedulableTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** Nodes cordoned with spec.unschedulable take only pods that tolerate the unschedulable taint. */
export const nodeUnschedulable: Plugin = {
  name: 'NodeUnschedulable',
  filter(ctx, node) {
    if (!node.unschedulable || toleratesAll(ctx.pod.pod.spec?.tolerations, unschedulableTaint)) return undefined;
    return { reasons: ['node(s) were unschedulable'], unresolvable: true };
  },
};
