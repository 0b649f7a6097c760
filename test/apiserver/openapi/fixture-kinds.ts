/** A small list of served kinds for the OpenAPI tests (independent of the real registry). */
import type { ResourceKind, Subresource } from '../../../src/api/types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function fixtureKind(
  group: string, version: string, kind: string, plural: string, namespaced: boolean, definition: string,
  subresources: Subresource[] = [], verbs: string[] = VERBS,
): ResourceKind {
  return {
    group, version, kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), namespaced,
    shortNames: [], categories: [], verbs, subresources, definition,
    hasStatusSubresource: subresources.includes('status'), tracksGeneration: true,
    applyDefaults: () => {}, validate: () => [],
    table: { columns: [], cells: () => [] }, fieldSelectors: {},
  };
}

export const fixtureKinds: ResourceKind[] = [
  fixtureKind('', 'v1', 'Pod', 'pods', true, 'io.k8s.api.core.v1.Pod', ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward']),
  fixtureKind('', 'v1', 'Namespace', 'namespaces', false, 'io.k8s.api.core.v1.Namespace', ['status']),
  fixtureKind('', 'v1', 'Service', 'services', true, 'io.k8s.api.core.v1.Service', ['status']),
  fixtureKind('apps', 'v1', 'Deployment', 'deployments', true, 'io.k8s.api.apps.v1.Deployment', ['status', 'scale']),
  fixtureKind('coordination.k8s.io', 'v1', 'Lease', 'leases', true, 'io.k8s.api.coordination.v1.Lease'),
  fixtureKind('metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods', true, 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics', [], ['get', 'list']),
  // A kind without a generated schema: documents must still be closed under $ref.
  fixtureKind('example.stratus.dev', 'v1alpha1', 'Widget', 'widgets', false, 'dev.stratus.example.v1alpha1.Widget'),
];
