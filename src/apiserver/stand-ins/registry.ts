/**
 * TEMPORARY stand-in for src/api/registry.ts (being written in parallel): a handful of kinds with a Name/Age
 * table and no defaults, so the API server can be built and tested. Removed when the real registry lands.
 */
import type { KubeObject } from '../../api/object.js';
import type { ResourceKind, Subresource } from '../../api/types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function kind(group: string, version: string, k: string, plural: string, namespaced: boolean, extra: Partial<ResourceKind> = {}): ResourceKind {
  const subresources: Subresource[] = extra.subresources ?? [];
  return {
    group, version, kind: k, listKind: `${k}List`, plural, singular: k.toLowerCase(), namespaced,
    shortNames: [], categories: [], verbs: VERBS, subresources,
    definition: `io.k8s.api.${group === '' ? 'core' : group}.${version}.${k}`,
    hasStatusSubresource: subresources.includes('status'),
    tracksGeneration: false,
    applyDefaults: () => {},
    validate: () => [],
    table: {
      columns: [
        { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
        { name: 'Age', type: 'string', description: 'Age', priority: 0 },
      ],
      cells: (obj: KubeObject, now: Date) => [obj.metadata.name, age(obj, now)],
    },
    fieldSelectors: {},
    ...extra,
  };
}

function age(obj: KubeObject, now: Date): string {
  const t = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : `${Math.max(0, Math.trunc((now.getTime() - t) / 1000))}s`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const kinds: ResourceKind[] = [
  kind('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'], subresources: ['status'],
    fieldSelectors: { 'status.phase': (o) => str((o['status'] as Record<string, unknown> | undefined)?.['phase']) },
    applyDefaults: (o) => {
      const spec = (o['spec'] ??= {}) as Record<string, unknown>;
      spec['finalizers'] ??= ['kubernetes'];
      const status = (o['status'] ??= {}) as Record<string, unknown>;
      status['phase'] ??= 'Active';
    },
  }),
  kind('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding', 'eviction'],
    fieldSelectors: {
      'spec.nodeName': (o) => str((o['spec'] as Record<string, unknown> | undefined)?.['nodeName']),
      'status.phase': (o) => str((o['status'] as Record<string, unknown> | undefined)?.['phase']),
    },
  }),
  kind('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  kind('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  kind('', 'v1', 'Secret', 'secrets', true),
  kind('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  kind('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  kind('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], tracksGeneration: true,
  }),
  kind('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], tracksGeneration: true,
  }),
];
