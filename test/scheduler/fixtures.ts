import type { Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';

/** A hand-made node: name, allocatable cpu/memory, labels, taints. */
export function node(name: string, opts: { cpu?: string; memory?: string; pods?: number; labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { allocatable: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: String(opts.pods ?? 110) } },
  };
}

let seq = 0;
/** A hand-made pod with optional cpu/memory requests and any extra spec fields. */
export function pod(name: string, opts: { ns?: string; cpu?: string; memory?: string; labels?: Record<string, string>; nodeName?: string; priority?: number; spec?: Partial<PodSpec> } = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests['cpu'] = opts.cpu;
  if (opts.memory) requests['memory'] = opts.memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: opts.ns ?? 'default', labels: opts.labels, creationTimestamp: new Date(1_700_000_000_000 + seq++ * 1000).toISOString() },
    spec: {
      containers: [{ name: 'c', image: 'busybox:1', resources: { requests } }],
      nodeName: opts.nodeName,
      priority: opts.priority,
      ...opts.spec,
    },
  };
}
