import type { Node } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, type ApiClient } from '../client/api-client.js';
import { NODES } from '../client/resources.js';

/**
 * Registers the node: creates it, or (after an agent restart) updates the existing object's labels, addresses,
 * capacity and system info while keeping what others own (taints, unschedulable, podCIDR).
 */
export async function registerNode(client: ApiClient, desired: Node): Promise<Node> {
  try {
    return await client.create(NODES, desired);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await client.get(NODES, desired.metadata!.name!);
  const merged: Node = {
    ...existing,
    metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...desired.metadata?.labels } },
    spec: { ...desired.spec, ...existing.spec },
  };
  const updated = await client.update(NODES, merged);
  return client.patch(NODES, updated.metadata!.name!, {
    status: {
      capacity: desired.status?.capacity, allocatable: desired.status?.allocatable, addresses: desired.status?.addresses,
      daemonEndpoints: desired.status?.daemonEndpoints, nodeInfo: desired.status?.nodeInfo, conditions: desired.status?.conditions,
    },
  }, 'merge', { subresource: 'status' });
}
