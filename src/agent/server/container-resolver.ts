/**
 * Default mapping from (namespace, pod, container) to runtime containers, read from the labels the agent puts on
 * every container (src/agent/container-labels.ts). Needs no other agent state, so it works after an agent restart.
 */
import type { ContainerRuntime, ContainerStatus } from '../../runtime/runtime.js';
import { identityOf, type ContainerIdentity } from '../container-labels.js';
import type { PodContainerRef } from './stats-summary.js';

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

export interface ResolvedContainer {
  /** Runtime (runc) container id. */
  containerId: string;
  /** The container's CRI-format log file (rotations `.1` … beside it). */
  logPath: string;
}

/** Finds the current container (or with `previous`, the one before it); undefined when there is none. */
export type PodResolver = (ref: ContainerRef & { previous: boolean }) => Promise<ResolvedContainer | undefined>;

export type AgentRuntime = Pick<ContainerRuntime, 'list' | 'state' | 'hasExited' | 'exec' | 'stats'>;

type Identified = { status: ContainerStatus; id: ContainerIdentity };

function identified(list: ContainerStatus[]): Identified[] {
  const out: Identified[] = [];
  for (const status of list) {
    const id = identityOf(status);
    if (id) out.push({ status, id });
  }
  return out;
}

const newestFirst = (a: Identified, b: Identified): number =>
  b.id.attempt - a.id.attempt || b.status.createdAt.getTime() - a.status.createdAt.getTime();

export function labelPodResolver(runtime: Pick<ContainerRuntime, 'list'>): PodResolver {
  return async ({ namespace, pod, container, previous }) => {
    const matches = identified(await runtime.list()).filter((c) => c.id.namespace === namespace && c.id.podName === pod && c.id.name === container);
    if (matches.length === 0) return undefined;
    // A pod recreated under the same name has a new UID: use the UID of the most recently created container.
    const latest = matches.reduce((a, b) => (b.status.createdAt > a.status.createdAt ? b : a));
    const attempts = matches.filter((c) => c.id.podUid === latest.id.podUid).sort(newestFirst);
    const chosen = previous ? attempts[1] : attempts[0];
    return chosen ? { containerId: chosen.status.id, logPath: chosen.status.logPath } : undefined;
  };
}

/** Running containers of pods (the newest running attempt per pod container), for stats. */
export function labelContainerLister(runtime: Pick<ContainerRuntime, 'list'>): () => Promise<PodContainerRef[]> {
  return async () => {
    const byContainer = new Map<string, Identified>();
    for (const c of identified(await runtime.list())) {
      if (c.status.state !== 'running') continue;
      const key = `${c.id.podUid}/${c.id.name}`;
      const seen = byContainer.get(key);
      if (!seen || newestFirst(c, seen) < 0) byContainer.set(key, c);
    }
    return [...byContainer.values()].map(({ status, id }) => ({
      namespace: id.namespace, pod: id.podName, podUid: id.podUid, container: id.name, containerId: status.id,
      ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    }));
  };
}
