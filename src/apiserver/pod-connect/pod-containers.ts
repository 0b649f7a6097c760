/**
 * Which container of a pod a log/exec/attach request means, and whether its logs can be read yet — the checks
 * (and messages) of kube-apiserver's LogLocation/streamLocation and kubelet's validateContainerLogStatus, made
 * from the pod as stored.
 */
import { errors } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';

type Json = Record<string, unknown>;

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function names(containers: Json[]): string {
  return containers.map((c) => String(c['name'] ?? '')).join(' ');
}

function spec(pod: KubeObject): Json {
  return isObject(pod['spec']) ? pod['spec'] : {};
}

function status(pod: KubeObject): Json {
  return isObject(pod['status']) ? pod['status'] : {};
}

/** The container name to use: the one asked for (it must exist), or the pod's only container. */
export function pickContainer(pod: KubeObject, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const containers = list(spec(pod)['containers']);
  const inits = list(spec(pod)['initContainers']);
  if (requested) {
    if (![...containers, ...inits].some((c) => c['name'] === requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  if (containers.length === 1) return String(containers[0]!['name']);
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${names(containers)}]`;
  if (inits.length > 0) message += ` or one of the init containers: [${names(inits)}]`;
  throw errors.badRequest(message);
}

export function nodeNameOf(pod: KubeObject): string | undefined {
  const n = spec(pod)['nodeName'];
  return typeof n === 'string' && n ? n : undefined;
}

function containerStatus(pod: KubeObject, container: string): Json | undefined {
  const s = status(pod);
  return [...list(s['containerStatuses']), ...list(s['initContainerStatuses']), ...list(s['ephemeralContainerStatuses'])].find((c) => c['name'] === container);
}

function terminatedId(state: unknown): string | undefined {
  if (!isObject(state) || !isObject(state['terminated'])) return undefined;
  const id = state['terminated']['containerID'];
  return typeof id === 'string' && id ? id : undefined;
}

/**
 * Throws 400 when there are no logs to read for `container` (not started yet, or no previous instance for
 * `previous`), with kubelet's wording. A pod not on a node yet counts as waiting in ContainerCreating.
 */
export function checkLogsReadable(pod: KubeObject, container: string, previous: boolean): void {
  const podName = pod.metadata.name ?? '';
  const cs = nodeNameOf(pod) ? containerStatus(pod, container) : undefined;
  const waitingToStart = (reason: string) => errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  if (!cs) {
    if (previous) throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    throw waitingToStart('ContainerCreating');
  }
  const state = isObject(cs['state']) ? cs['state'] : {};
  const lastTerminated = terminatedId(cs['lastState']);
  if (previous) {
    if (!lastTerminated) throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return;
  }
  if (isObject(state['running'])) return;
  if (isObject(state['terminated'])) {
    if (terminatedId(state) || lastTerminated) return;
    throw errors.badRequest(`container "${container}" in pod "${podName}" is terminated`);
  }
  if (lastTerminated) return;
  if (isObject(state['waiting'])) {
    const reason = String(state['waiting']['reason'] ?? '') || 'ContainerCreating';
    if (reason === 'ErrImagePull') throw waitingToStart("image can't be pulled");
    if (reason === 'ImagePullBackOff') throw waitingToStart('trying and failing to pull image');
    throw waitingToStart(reason);
  }
  throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}
