// Safety net: traffic for the cluster's pod and service ranges must never leave this machine through the
// default route. An `unreachable` route for each whole range loses to the more specific routes of local
// bridges (and, later, of other nodes' pod CIDRs), so only those carry pod traffic.
import { run } from './command.js';

export const DEFAULT_CLUSTER_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

/** Adds `unreachable <cidr>` for each range that has no such route yet. Returns the ranges it added. */
export async function ensureUnreachableRoutes(cidrs: string[] = [DEFAULT_CLUSTER_POD_CIDR, DEFAULT_SERVICE_CIDR]): Promise<string[]> {
  const added: string[] = [];
  for (const cidr of cidrs) {
    const existing = await run('ip', ['route', 'show', 'type', 'unreachable', cidr]);
    if (existing.trim()) continue;
    // `replace` would silently swap a real route: only add, and accept losing a race with another agent.
    try {
      await run('ip', ['route', 'add', 'unreachable', cidr]);
      added.push(cidr);
    } catch (err) {
      if (!/File exists/.test((err as Error).message)) throw err;
    }
  }
  return added;
}
