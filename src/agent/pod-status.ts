// Pure: a pod's status from what the runtime reports and what the pod worker knows (waiting reasons, probe
// results). Worded like kubelet: phases, conditions, container states and reasons.
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus as K8sContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { podQosClass } from '../api/kinds/pod-qos.js';
import type { ContainerStatus } from '../runtime/runtime.js';
import { containerIdOfStatus } from './container-labels.js';

export interface Waiting {
  reason: string;
  message?: string;
}

/** What the worker knows about one container of the pod spec. */
export interface ContainerView {
  spec: Container;
  kind: 'init' | 'app';
  /** Newest runtime container of this name (any state). */
  latest?: ContainerStatus;
  /** The one before it, when kept (for lastState). */
  previous?: ContainerStatus;
  /** Why it is not running (pull error, back-off, config error, being created). */
  waiting?: Waiting;
  ready: boolean;
  started: boolean;
  imageID?: string;
  /** Termination messages read from the containers' termination-log files (or log tails). */
  latestMessage?: string;
  previousMessage?: string;
}

export interface StatusInput {
  pod: Pod;
  views: ContainerView[];
  podIP?: string;
  hostIP: string;
  /** The pod is being torn down: every container stopped, phase decided by exit codes. */
  terminating?: boolean;
  /** The pod's sandbox (network) is ready. */
  sandboxReady: boolean;
  now: Date;
  /** The pod ran past spec.activeDeadlineSeconds: Failed with reason DeadlineExceeded. */
  deadlineExceeded?: boolean;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function attemptOf(c: ContainerStatus | undefined): number {
  return Number(c?.labels['io.stratus.container.attempt'] ?? 0) || 0;
}

function terminatedOf(c: ContainerStatus, message: string | undefined): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 255;
  const reason = c.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : c.reason === 'ExitCodeLost' ? 'Unknown' : 'Error';
  const t: ContainerStateTerminated = {
    exitCode,
    reason,
    containerID: containerIdOfStatus(c.id),
    ...(c.startedAt ? { startedAt: kubeTime(c.startedAt) } : {}),
    ...(c.finishedAt ? { finishedAt: kubeTime(c.finishedAt) } : {}),
  };
  if (c.signal) t.signal = c.signal;
  if (message) t.message = message;
  return t;
}

export function isTerminated(c: ContainerStatus | undefined): boolean {
  return c?.state === 'exited' || c?.state === 'unknown';
}

export function succeeded(c: ContainerStatus | undefined): boolean {
  return c?.state === 'exited' && c.exitCode === 0;
}

export function containerStatusOf(view: ContainerView, podInitializing: boolean): K8sContainerStatus {
  const { latest, previous } = view;
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (latest?.state === 'running') {
    state = { running: { startedAt: kubeTime(latest.startedAt ?? latest.createdAt) } };
    if (previous && isTerminated(previous)) lastState = { terminated: terminatedOf(previous, view.previousMessage) };
  } else if (view.waiting) {
    state = { waiting: { reason: view.waiting.reason, ...(view.waiting.message ? { message: view.waiting.message } : {}) } };
    if (latest && isTerminated(latest)) lastState = { terminated: terminatedOf(latest, view.latestMessage) };
    else if (previous && isTerminated(previous)) lastState = { terminated: terminatedOf(previous, view.previousMessage) };
  } else if (latest && isTerminated(latest)) {
    state = { terminated: terminatedOf(latest, view.latestMessage) };
    if (previous && isTerminated(previous)) lastState = { terminated: terminatedOf(previous, view.previousMessage) };
  } else {
    state = { waiting: { reason: podInitializing ? 'PodInitializing' : 'ContainerCreating' } };
  }
  const status: K8sContainerStatus = {
    name: view.spec.name,
    state,
    lastState,
    ready: latest?.state === 'running' && view.ready,
    restartCount: attemptOf(latest),
    image: view.spec.image ?? '',
    imageID: view.imageID ?? '',
    started: latest?.state === 'running' && view.started,
  };
  if (latest) status.containerID = containerIdOfStatus(latest.id);
  return status;
}

/** kubelet's getPhase. */
export function podPhase(pod: Pod, views: ContainerView[]): PodStatus['phase'] {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const inits = views.filter((v) => v.kind === 'init');
  const apps = views.filter((v) => v.kind === 'app');
  for (const v of inits) {
    if (succeeded(v.latest)) continue;
    if (policy === 'Never' && isTerminated(v.latest)) return 'Failed';
    return 'Pending';
  }
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeededCount = 0;
  for (const v of apps) {
    const latest = v.latest;
    if (latest?.state === 'running') running++;
    else if (latest && isTerminated(latest)) {
      stopped++;
      if (succeeded(latest)) succeededCount++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeededCount) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running'; // OnFailure: the failed ones restart
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason: string | undefined, message: string | undefined, old: PodCondition[] | undefined, now: Date): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : kubeTime(now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, views, now } = input;
  const old = pod.status ?? {};
  const phase = input.deadlineExceeded ? 'Failed' : podPhase(pod, views);
  const inits = views.filter((v) => v.kind === 'init');
  const apps = views.filter((v) => v.kind === 'app');
  const initPending = inits.filter((v) => !succeeded(v.latest)).map((v) => v.spec.name);
  const initStatuses = inits.map((v) => containerStatusOf(v, false));
  const appStatuses = apps.map((v) => containerStatusOf(v, initPending.length > 0));
  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', input.sandboxReady, undefined, undefined, old.conditions, now),
    condition('Initialized', initPending.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${initPending.join(' ')}]`, old.conditions, now),
    condition('Ready', !terminal && unready.length === 0, terminal ? 'PodCompleted' : 'ContainersNotReady', terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`, old.conditions, now),
    condition('ContainersReady', !terminal && unready.length === 0, terminal ? 'PodCompleted' : 'ContainersNotReady', terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`, old.conditions, now),
  ];
  const scheduled = old.conditions?.find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null as unknown as string, lastTransitionTime: kubeTime(now) });
  // Keep conditions others own (readiness gates, DisruptionTarget …).
  const ours = new Set(conditions.map((c) => c.type));
  for (const c of old.conditions ?? []) if (!ours.has(c.type)) conditions.push(c);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? kubeTime(now),
    containerStatuses: appStatuses,
    qosClass: old.qosClass ?? podQosClass(pod.spec),
  };
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  if (input.deadlineExceeded) {
    status.reason = 'DeadlineExceeded';
    status.message = `Pod was active on the node longer than the specified deadline`;
  }
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  } else if (old.podIP && terminal) {
    status.podIP = old.podIP;
    status.podIPs = old.podIPs ?? [{ ip: old.podIP }];
  }
  if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName;
  return status;
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyObject(a)) a = null;
  if (isEmptyObject(b)) b = null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return (a ?? null) === (b ?? null);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    const av = ao[k];
    const bv = bo[k];
    if ((av === undefined || av === null) && (bv === undefined || bv === null)) continue;
    if (!jsonEqual(av, bv)) return false;
  }
  return true;
}

function isEmptyObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 0;
}
