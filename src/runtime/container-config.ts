// Neutral description of one container: what the node agent (Pods) and the instances service (container
// groups) both map onto. Nothing Kubernetes-specific lives here; resolution of images, env references and
// commands happens before.

export interface ContainerUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface ContainerMount {
  /** Absolute path on the host (bind mounts) or the fs type's source (tmpfs). */
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  type?: 'bind' | 'tmpfs';
  readOnly?: boolean;
  /** Extra mount options, e.g. ["size=64m"] for tmpfs. */
  options?: string[];
}

/** Paths of namespaces to join (e.g. the pod's). A namespace without a path is created per container. */
export interface SharedNamespaces {
  network?: string;
  ipc?: string;
  uts?: string;
  pid?: string;
}

export interface ContainerResources {
  /** Requested CPU in millicores: becomes cpu.shares (Kubernetes' formula). */
  cpuRequestMilli?: number;
  /** CPU limit in millicores: becomes a CFS quota over a 100 ms period. */
  cpuLimitMilli?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

export interface Rlimit {
  type: string; // e.g. "RLIMIT_NOFILE"
  soft: number;
  hard: number;
}

export interface ContainerConfig {
  /** argv, already resolved from the image's entrypoint/cmd and the workload's command/args. */
  args: string[];
  /** "NAME=value" entries, already resolved. */
  env?: string[];
  cwd?: string;
  user?: ContainerUser;
  hostname?: string;
  /** Absolute path of the prepared root filesystem. */
  rootfs: string;
  readonlyRootfs?: boolean;
  mounts?: ContainerMount[];
  namespaces?: SharedNamespaces;
  resources?: ContainerResources;
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  /** Kubernetes' seccompProfile types; default Unconfined (as Kubernetes). Ignored when privileged. */
  seccomp?: 'Unconfined' | 'RuntimeDefault';
  /** Defaults to true (false when privileged). */
  noNewPrivileges?: boolean;
  rlimits?: Rlimit[];
  /** cgroup path under each v1 controller, e.g. "/stratus/node-1/<podUid>/<container>". */
  cgroupsPath: string;
  oomScoreAdj?: number;
  sysctls?: Record<string, string>;
  /** Stored with the container (bundle) so a restarted agent can map it back to its owner. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
