import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { goArch } from './machine.js';

export interface NodeDescription {
  name: string;
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
  internalIP: string;
  hostname: string;
  labels?: Record<string, string>;
  taints?: NonNullable<Node['spec']>['taints'];
  nodeInfo: NonNullable<Node['status']>['nodeInfo'];
  /** Port of the agent's TLS endpoint (logs, exec, metrics); 0 when it serves none (hollow nodes). */
  agentPort: number;
  podCIDR?: string;
}

/** The Node object an agent registers: capacity, addresses, labels, system info and initial conditions. */
export function buildNode(desc: NodeDescription, now = new Date()): Node {
  const capacity = { cpu: desc.cpu, memory: desc.memory, pods: String(desc.pods), 'ephemeral-storage': desc.ephemeralStorage };
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: desc.name,
      labels: {
        'kubernetes.io/hostname': desc.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': goArch(),
        ...desc.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { ...(desc.taints?.length ? { taints: desc.taints } : {}), ...(desc.podCIDR ? { podCIDR: desc.podCIDR, podCIDRs: [desc.podCIDR] } : {}) },
    status: {
      capacity,
      allocatable: { ...capacity },
      addresses: [{ type: 'InternalIP', address: desc.internalIP }, { type: 'Hostname', address: desc.hostname }],
      daemonEndpoints: { kubeletEndpoint: { Port: desc.agentPort } },
      nodeInfo: desc.nodeInfo,
      conditions: readyConditions(now, { memoryPressure: false, diskPressure: false, pidPressure: false }),
    },
  };
  return node;
}

export interface Pressure {
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

function condition(type: string, status: boolean, reason: string, message: string, now: Date): NodeCondition {
  const time = now.toISOString();
  return { type, status: status ? 'True' : 'False', reason, message, lastHeartbeatTime: time, lastTransitionTime: time };
}

/** The four node conditions kubelet reports, worded as kubelet words them. */
export function readyConditions(now: Date, pressure: Pressure, ready = true, notReadyMessage = ''): NodeCondition[] {
  return [
    condition('MemoryPressure', pressure.memoryPressure, pressure.memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
      pressure.memoryPressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', now),
    condition('DiskPressure', pressure.diskPressure, pressure.diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure',
      pressure.diskPressure ? 'kubelet has disk pressure' : 'kubelet has no disk pressure', now),
    condition('PIDPressure', pressure.pidPressure, pressure.pidPressure ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID',
      pressure.pidPressure ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available', now),
    condition('Ready', ready, ready ? 'KubeletReady' : 'KubeletNotReady', ready ? 'kubelet is posting ready status' : notReadyMessage, now),
  ];
}

/**
 * Merges fresh conditions into the node's current ones, keeping lastTransitionTime when a status did not change.
 * Returns true if any status, reason or message changed.
 */
export function mergeConditions(current: NodeCondition[] | undefined, fresh: NodeCondition[]): { conditions: NodeCondition[]; changed: boolean } {
  let changed = false;
  const conditions = fresh.map((c) => {
    const old = current?.find((o) => o.type === c.type);
    if (!old || old.status !== c.status || old.reason !== c.reason || old.message !== c.message) {
      changed = true;
      return c;
    }
    return { ...c, lastTransitionTime: old.lastTransitionTime };
  });
  return { conditions, changed };
}
