// How the agent names its runc containers and what it stores with them, so that a restarted agent (and the
// agent's log/exec endpoint) can map every container back to its pod without any other state.
import type { ContainerStatus } from '../runtime/runtime.js';

export const LABEL_POD_UID = 'io.stratus.pod.uid';
export const LABEL_POD_NAMESPACE = 'io.stratus.pod.namespace';
export const LABEL_POD_NAME = 'io.stratus.pod.name';
export const LABEL_CONTAINER_NAME = 'io.stratus.container.name';
/** 'init' or 'app'. */
export const LABEL_CONTAINER_KIND = 'io.stratus.container.kind';
/** 0 for the first run; the restartCount of the container is the attempt of its newest runc container. */
export const LABEL_ATTEMPT = 'io.stratus.container.attempt';
/** The image as the pod spec names it, and what it resolved to. */
export const LABEL_IMAGE = 'io.stratus.container.image';
export const LABEL_IMAGE_ID = 'io.stratus.container.image-id';
/** Seconds the pod allowed for a graceful stop (used when the pod vanished before we could read it). */
export const LABEL_GRACE = 'io.stratus.pod.grace-seconds';
/** Where the container writes its termination message (host path). */
export const LABEL_TERMINATION_LOG = 'io.stratus.container.termination-log';
/** Hash of the container's spec, to notice a changed image (the only mutable container field). */
export const LABEL_SPEC_HASH = 'io.stratus.container.spec-hash';

/** containerID as it appears in pod status: `stratus://<runc id>`. */
export const CONTAINER_ID_SCHEME = 'stratus://';

export type ContainerKind = 'init' | 'app';

/** `<pod uid>_<container name>_<attempt>`: unique per node, at most 36+1+63+1+5 characters. */
export function containerIdFor(podUid: string, containerName: string, attempt: number): string {
  return `${podUid}_${containerName}_${attempt}`;
}

export function containerIdOfStatus(id: string): string {
  return `${CONTAINER_ID_SCHEME}${id}`;
}

export interface ContainerIdentity {
  podUid: string;
  namespace: string;
  podName: string;
  name: string;
  kind: ContainerKind;
  attempt: number;
}

/** The pod identity stored on a runtime container, or undefined for containers the agent did not make. */
export function identityOf(c: Pick<ContainerStatus, 'labels'>): ContainerIdentity | undefined {
  const l = c.labels;
  const podUid = l[LABEL_POD_UID];
  const name = l[LABEL_CONTAINER_NAME];
  if (!podUid || !name) return undefined;
  return {
    podUid,
    namespace: l[LABEL_POD_NAMESPACE] ?? '',
    podName: l[LABEL_POD_NAME] ?? '',
    name,
    kind: l[LABEL_CONTAINER_KIND] === 'init' ? 'init' : 'app',
    attempt: Number(l[LABEL_ATTEMPT] ?? 0) || 0,
  };
}
