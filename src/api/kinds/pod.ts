/** core/v1 Pod. */
import type { Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { jsonEqual } from '../validation/metadata.js';
import { validatePodSpec } from '../validation/pod-spec.js';
import { defineKind, type Writable } from './define.js';
import { podQosClass } from './pod-qos.js';
import { podWideCells, summarizePod } from './pod-printing.js';
import { defaultPodSpec } from './pod-spec-defaults.js';

export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

const tolerationSeconds = { notReady: 300, unreachable: 300 };

/**
 * The tolerationSeconds given to every new pod for the not-ready and unreachable NoExecute taints (kube-apiserver
 * --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds, 300 s each by default).
 * Lower them to fail pods over from a dead node sooner.
 */
export function setDefaultTolerationSeconds(values: { notReady?: number; unreachable?: number }): void {
  if (values.notReady !== undefined) tolerationSeconds.notReady = values.notReady;
  if (values.unreachable !== undefined) tolerationSeconds.unreachable = values.unreachable;
}

export function defaultTolerationSeconds(): { notReady: number; unreachable: number } {
  return { ...tolerationSeconds };
}

function toleratesNoExecute(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) =>
    (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
}

/** DefaultTolerationSeconds admission: tolerate not-ready and unreachable nodes for a while before eviction. */
function addDefaultTolerations(spec: PodSpec): void {
  const tolerations = spec.tolerations ?? [];
  if (!toleratesNoExecute(tolerations, NOT_READY_TAINT)) {
    tolerations.push({ key: NOT_READY_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: tolerationSeconds.notReady });
  }
  if (!toleratesNoExecute(tolerations, UNREACHABLE_TAINT)) {
    tolerations.push({ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: tolerationSeconds.unreachable });
  }
  spec.tolerations = tolerations;
}

/** SetDefaults_Pod: a limit without a request makes the request equal to the limit. */
function defaultRequestsFromLimits(spec: PodSpec): void {
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits || Object.keys(limits).length === 0) continue;
    c.resources!.requests ??= {};
    for (const [name, value] of Object.entries(limits)) c.resources!.requests[name] ??= value;
  }
}

export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  defaultPodSpec(spec);
  defaultRequestsFromLimits(spec);
  // Admission plugins that run on every pod: ServiceAccount, Priority, DefaultTolerationSeconds.
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  // Without a priorityClassName the priority is 0; a named class's value is resolved by the API server.
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  addDefaultTolerations(spec);
  const status = ((pod as Writable<Pod>).status ??= {});
  status.phase ||= 'Pending';
  status.qosClass ||= podQosClass(spec);
}

const podUpdateForbidden = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate: a pod's spec is immutable apart from images, deadline, added tolerations and gate removal. */
export function validatePodUpdate(pod: Pod, old: Pod): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = pod.spec ?? { containers: [] };
  const oldSpec = old.spec ?? { containers: [] };
  // Copy the fields that may change into a copy of the old spec; anything else that differs is forbidden.
  const mutated: PodSpec = structuredClone(oldSpec);
  const copyImages = (to: PodSpec['containers'] | undefined, from: PodSpec['containers'] | undefined) => {
    if (!to || !from || to.length !== from.length) return;
    to.forEach((c, i) => { c.image = from[i]!.image; });
  };
  copyImages(mutated.containers, spec.containers);
  copyImages(mutated.initContainers, spec.initContainers);
  mutated.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  mutated.tolerations = spec.tolerations;
  mutated.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds;
  mutated.schedulingGates = spec.schedulingGates;
  // Binding a pod sets nodeName once; moving it to another node is not allowed.
  if (!oldSpec.nodeName) mutated.nodeName = spec.nodeName;
  if (!jsonEqual(mutated, spec)) causes.push(fieldErrors.forbidden('spec', podUpdateForbidden));

  if (oldSpec.activeDeadlineSeconds !== undefined) {
    if (spec.activeDeadlineSeconds === undefined) {
      causes.push(fieldErrors.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    } else if (spec.activeDeadlineSeconds > oldSpec.activeDeadlineSeconds) {
      causes.push(fieldErrors.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value'));
    }
  }
  for (const t of oldSpec.tolerations ?? []) {
    const kept = (spec.tolerations ?? []).some((n) =>
      n.key === t.key && (n.operator ?? 'Equal') === (t.operator ?? 'Equal') && n.value === t.value && n.effect === t.effect);
    if (!kept) {
      causes.push(fieldErrors.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  const gates = new Set((spec.schedulingGates ?? []).map((g) => g.name));
  const oldGates = new Set((oldSpec.schedulingGates ?? []).map((g) => g.name));
  if ([...gates].some((g) => !oldGates.has(g))) {
    causes.push(fieldErrors.forbidden('spec.schedulingGates', 'only deletion is allowed, but found new scheduling gate'));
  }
  const oldQos = old.status?.qosClass;
  if (oldQos && pod.status?.qosClass && pod.status.qosClass !== oldQos) {
    causes.push(fieldErrors.invalid('status.qosClass', pod.status.qosClass, 'field is immutable'));
  }
  return causes;
}

export const podKind = defineKind<Pod>({
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true,
  definition: 'io.k8s.api.core.v1.Pod',
  shortNames: ['po'], categories: ['all'],
  subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction'],
  defaults: defaultPod,
  validate(pod, old) {
    const causes = validatePodSpec(pod.spec, 'spec');
    if (old) causes.push(...validatePodUpdate(pod, old));
    return causes;
  },
  columns: [
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(pod, now) {
    const summary = summarizePod(pod, now);
    return [summary.ready, summary.status, summary.restarts, age(pod.metadata?.creationTimestamp, now), ...podWideCells(pod)];
  },
  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork ?? false),
    'status.phase': (p) => p.status?.phase ?? '',
    'status.podIP': (p) => p.status?.podIPs?.[0]?.ip ?? p.status?.podIP ?? '',
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
  },
});
