import type { Plugin } from '../framework/plugin.js';

function conflicts(wanted: string, used: Map<string, number>): boolean {
  const [protocol, ip, port] = wanted.split('/');
  for (const key of used.keys()) {
    const [p, i, n] = key.split('/');
    if (p === protocol && n === port && (i === ip || i === '0.0.0.0' || ip === '0.0.0.0')) return true;
  }
  return false;
}

/** Host ports can be taken once per node (per protocol and IP; 0.0.0.0 overlaps every IP). */
export const nodePorts: Plugin = {
  name: 'NodePorts',
  preFilter: (ctx) => (ctx.pod.hostPorts.length === 0 ? 'skip' : undefined),
  filter(ctx, node) {
    for (const port of ctx.pod.hostPorts) {
      if (conflicts(port, node.usedPorts)) return { reasons: ["node(s) didn't have free ports for the requested pod ports"] };
    }
    return undefined;
  },
};
