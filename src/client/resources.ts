import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { ResourceRef } from '../api/object.js';
import type {
  ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';

/** The least an object needs for the client to address it (every kubernetes-types object fits). */
export interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/**
 * A ResourceRef that also names its Kind, its scope and (at the type level only) the object type, so that
 * `client.get(PODS, 'web', { namespace })` is typed as a Pod without a type argument.
 */
export interface ResourceType<T extends Resource = Resource> extends ResourceRef {
  kind: string;
  namespaced: boolean;
  /** Phantom field: never set at runtime; carries T for inference. */
  readonly __object?: T;
}

function type<T extends Resource>(group: string, version: string, plural: string, kind: string, namespaced: boolean): ResourceType<T> {
  return Object.freeze({ group, version, plural, kind, namespaced });
}

export const NAMESPACES = type<Namespace>('', 'v1', 'namespaces', 'Namespace', false);
export const NODES = type<Node>('', 'v1', 'nodes', 'Node', false);
export const PODS = type<Pod>('', 'v1', 'pods', 'Pod', true);
export const SERVICES = type<Service>('', 'v1', 'services', 'Service', true);
export const ENDPOINTS = type<Endpoints>('', 'v1', 'endpoints', 'Endpoints', true);
export const CONFIGMAPS = type<ConfigMap>('', 'v1', 'configmaps', 'ConfigMap', true);
export const SECRETS = type<Secret>('', 'v1', 'secrets', 'Secret', true);
export const EVENTS = type<Event>('', 'v1', 'events', 'Event', true);
export const SERVICEACCOUNTS = type<ServiceAccount>('', 'v1', 'serviceaccounts', 'ServiceAccount', true);
export const PERSISTENTVOLUMECLAIMS = type<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
export const DEPLOYMENTS = type<Deployment>('apps', 'v1', 'deployments', 'Deployment', true);
export const REPLICASETS = type<ReplicaSet>('apps', 'v1', 'replicasets', 'ReplicaSet', true);
export const STATEFULSETS = type<StatefulSet>('apps', 'v1', 'statefulsets', 'StatefulSet', true);
export const DAEMONSETS = type<DaemonSet>('apps', 'v1', 'daemonsets', 'DaemonSet', true);
export const JOBS = type<Job>('batch', 'v1', 'jobs', 'Job', true);
export const CRONJOBS = type<CronJob>('batch', 'v1', 'cronjobs', 'CronJob', true);
export const LEASES = type<Lease>('coordination.k8s.io', 'v1', 'leases', 'Lease', true);
export const HORIZONTALPODAUTOSCALERS = type<HorizontalPodAutoscaler>('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true);
export const ENDPOINTSLICES = type<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true);
export const PODDISRUPTIONBUDGETS = type<PodDisruptionBudget>('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true);

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's MetaNamespaceKeyFunc). */
export function keyOf(obj: Resource): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of keyOf. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
