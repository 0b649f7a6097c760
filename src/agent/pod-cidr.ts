// The node's pod range. Kubernetes' node-ipam controller sets node.spec.podCIDR; until Stratus has one, the agent
// takes the range given with --pod-cidr, or else claims a free /24 of the cluster range (10.244.0.0/16) itself:
// it starts at a slot derived from the node name and takes the first one no other Node has, then records it in
// node.spec.podCIDR so it is stable across restarts and visible to the later cross-host network code.
import { createHash } from 'node:crypto';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { NODES } from '../client/resources.js';

export const CLUSTER_POD_CIDR = '10.244.0.0/16';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Every /24 of a /16 (or bigger) cluster range, in order, skipping the first (network-wide .0 range). */
export function candidateRanges(clusterCidr = CLUSTER_POD_CIDR): string[] {
  const [base, bits] = clusterCidr.split('/');
  const prefix = Number(bits);
  const count = 2 ** (24 - prefix);
  const start = ipToInt(base!);
  const out: string[] = [];
  for (let i = 1; i < count; i++) out.push(`${intToIp(start + i * 256)}/24`);
  return out;
}

/** Deterministic: the first free range at or after hash(nodeName). */
export function choosePodCidr(nodeName: string, taken: Set<string>, clusterCidr = CLUSTER_POD_CIDR): string {
  const all = candidateRanges(clusterCidr);
  const start = createHash('sha256').update(nodeName).digest().readUInt32BE(0) % all.length;
  for (let i = 0; i < all.length; i++) {
    const cidr = all[(start + i) % all.length]!;
    if (!taken.has(cidr)) return cidr;
  }
  throw new Error(`no free /24 left in ${clusterCidr} for node ${nodeName}; pass --pod-cidr`);
}

/** The node's podCIDR: the node's own, else the flag's, else a claimed free one; written to node.spec. */
export async function ensurePodCidr(client: ApiClient, node: Node, flag?: string): Promise<string> {
  const current = node.spec?.podCIDR;
  if (current) return current;
  let cidr = flag;
  if (!cidr) {
    const nodes = await client.list(NODES);
    const taken = new Set(nodes.items.filter((n) => n.metadata?.name !== node.metadata?.name).map((n) => n.spec?.podCIDR).filter((c): c is string => !!c));
    cidr = choosePodCidr(node.metadata!.name!, taken);
  }
  await client.patch(NODES, node.metadata!.name!, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
  return cidr;
}
