/**
 * Every kind the API server serves, one ResourceKind each, in discovery order. Lookups by REST path
 * (group/version/plural) and by GVK, plus the discovery facts of subresources.
 */
import type { ResourceKind, Subresource } from './types.js';
import { configMapKind } from './kinds/configmap.js';
import { deploymentKind } from './kinds/deployment.js';
import { endpointsKind } from './kinds/endpoints.js';
import { coreEventKind, eventV1Kind } from './kinds/event.js';
import { hpaKind } from './kinds/hpa.js';
import { hpaV1Kind } from './kinds/hpa-v1.js';
import { jobKind } from './kinds/job.js';
import { leaseKind } from './kinds/lease.js';
import { namespaceKind } from './kinds/namespace.js';
import { nodeKind } from './kinds/node.js';
import { podKind } from './kinds/pod.js';
import { priorityClassKind } from './kinds/priorityclass.js';
import { replicaSetKind } from './kinds/replicaset.js';
import { secretKind } from './kinds/secret.js';
import { serviceKind } from './kinds/service.js';
import { serviceAccountKind } from './kinds/serviceaccount.js';

export const kinds: readonly ResourceKind[] = [
  configMapKind, endpointsKind, coreEventKind, namespaceKind, nodeKind, podKind, secretKind, serviceAccountKind, serviceKind,
  deploymentKind, replicaSetKind,
  hpaKind, hpaV1Kind,
  jobKind,
  leaseKind,
  eventV1Kind,
  priorityClassKind,
];

const byResource = new Map(kinds.map((k) => [`${k.group}/${k.version}/${k.plural}`, k]));
const byGvk = new Map(kinds.map((k) => [`${k.group}/${k.version}/${k.kind}`, k]));

export function kindByResource(group: string, version: string, plural: string): ResourceKind | undefined {
  return byResource.get(`${group}/${version}/${plural}`);
}

export function kindByGvk(group: string, version: string, kind: string): ResourceKind | undefined {
  return byGvk.get(`${group}/${version}/${kind}`);
}

/** Resolve an object's apiVersion ("apps/v1", "v1") and kind. */
export function kindByApiVersion(apiVersion: string, kind: string): ResourceKind | undefined {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? kindByGvk('', apiVersion, kind) : kindByGvk(apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind);
}

/** The group-versions that have at least one kind, in first-seen order (core "v1" first). */
export function servedGroupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const k of kinds) if (!seen.has(`${k.group}/${k.version}`)) seen.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
  return [...seen.values()];
}

export function kindsInGroupVersion(group: string, version: string): ResourceKind[] {
  return kinds.filter((k) => k.group === group && k.version === version);
}

/** What discovery says about `plural/sub` (APIResource fields besides name and namespaced). */
export interface SubresourceDiscovery {
  kind: string;
  verbs: string[];
  /** Set when the subresource's kind lives in another group/version (scale → autoscaling/v1 Scale). */
  group?: string;
  version?: string;
}

export function subresourceDiscovery(kind: ResourceKind, sub: Subresource): SubresourceDiscovery {
  switch (sub) {
    case 'status': return { kind: kind.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale': return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'binding': return { kind: 'Binding', verbs: ['create'] };
    case 'log': return { kind: kind.kind, verbs: ['get'] };
    case 'exec': return { kind: `${kind.kind}ExecOptions`, verbs: ['create', 'get'] };
    case 'attach': return { kind: `${kind.kind}AttachOptions`, verbs: ['create', 'get'] };
    case 'portforward': return { kind: `${kind.kind}PortForwardOptions`, verbs: ['create', 'get'] };
    case 'proxy': return { kind: `${kind.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'eviction': return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
  }
}
