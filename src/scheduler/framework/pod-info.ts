import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { podNonZeroRequests, podRequests, type Resources } from './resources.js';
import { compileLabelSelector, selectorKey, type LabelMatcher } from './label-match.js';

/** A pod affinity term, compiled once per pod. Namespaces are resolved per cycle (they can use a selector). */
export interface AffinityTerm {
  selector: LabelMatcher;
  /** Canonical text of the selector, for sharing match counts between pods with the same term. */
  selectorKey: string;
  topologyKey: string;
  /** Explicit namespaces; empty with no namespaceSelector means "the pod's own namespace". */
  namespaces: string[];
  namespaceSelector?: LabelSelector;
  weight: number;
}

export interface PodInfo {
  key: string;
  pod: Pod;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  nodeName: string | undefined;
  priority: number;
  requests: Resources;
  nonZero: { milliCpu: number; memory: number };
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
  hostPorts: string[];
  images: string[];
  terminating: boolean;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function compileTerm(term: PodAffinityTerm, weight: number): AffinityTerm {
  const compiled: AffinityTerm = {
    selector: compileLabelSelector(term.labelSelector),
    selectorKey: selectorKey(term.labelSelector),
    topologyKey: term.topologyKey,
    namespaces: term.namespaces ?? [],
    weight,
  };
  if (term.namespaceSelector) compiled.namespaceSelector = term.namespaceSelector;
  return compiled;
}

const required = (terms: PodAffinityTerm[] | undefined) => (terms ?? []).map((t) => compileTerm(t, 1));
const preferred = (terms: WeightedPodAffinityTerm[] | undefined) =>
  (terms ?? []).map((t) => compileTerm(t.podAffinityTerm, t.weight));

export function newPodInfo(pod: Pod): PodInfo {
  const affinity = pod.spec?.affinity;
  const hostPorts: string[] = [];
  const images: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    if (c.image) images.push(c.image);
    for (const p of c.ports ?? []) {
      if (p.hostPort) hostPorts.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
    }
  }
  return {
    key: podKey(pod),
    pod,
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    nodeName: pod.spec?.nodeName || undefined,
    priority: pod.spec?.priority ?? 0,
    requests: podRequests(pod),
    nonZero: podNonZeroRequests(pod),
    requiredAffinity: required(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinity: required(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinity: preferred(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: preferred(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    hostPorts,
    images,
    terminating: Boolean(pod.metadata?.deletionTimestamp),
  };
}
