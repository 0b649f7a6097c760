import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  kindByApiVersion, kindByGvk, kindByResource, kinds, kindsInGroupVersion, servedGroupVersions, subresourceDiscovery,
} from '../../src/api/registry.js';

/** Discovery facts copied from a real v1.31 API server (`kubectl api-resources`, /api/v1, /apis/...). */
const upstream: Array<[string, string, string, boolean, string[], string[]]> = [
  // group/version, plural, Kind, namespaced, shortNames, categories
  ['v1', 'configmaps', 'ConfigMap', true, ['cm'], []],
  ['v1', 'endpoints', 'Endpoints', true, ['ep'], []],
  ['v1', 'events', 'Event', true, ['ev'], []],
  ['v1', 'namespaces', 'Namespace', false, ['ns'], []],
  ['v1', 'nodes', 'Node', false, ['no'], []],
  ['v1', 'pods', 'Pod', true, ['po'], ['all']],
  ['v1', 'secrets', 'Secret', true, [], []],
  ['v1', 'serviceaccounts', 'ServiceAccount', true, ['sa'], []],
  ['v1', 'services', 'Service', true, ['svc'], ['all']],
  ['apps/v1', 'deployments', 'Deployment', true, ['deploy'], ['all']],
  ['apps/v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['all']],
  ['autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['all']],
  ['autoscaling/v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa'], ['all']],
  ['batch/v1', 'jobs', 'Job', true, [], ['all']],
  ['coordination.k8s.io/v1', 'leases', 'Lease', true, [], []],
  ['events.k8s.io/v1', 'events', 'Event', true, ['ev'], []],
  ['scheduling.k8s.io/v1', 'priorityclasses', 'PriorityClass', false, ['pc'], []],
];

test('every served kind matches upstream discovery', () => {
  assert.equal(kinds.length, upstream.length);
  for (const [gv, plural, kind, namespaced, shortNames, categories] of upstream) {
    const [group, version] = gv.includes('/') ? gv.split('/') as [string, string] : ['', gv];
    const k = kindByResource(group, version, plural);
    assert.ok(k, `${gv} ${plural}`);
    assert.equal(k.kind, kind);
    assert.equal(k.listKind, `${kind}List`);
    assert.equal(k.namespaced, namespaced, plural);
    assert.deepEqual(k.shortNames, shortNames, plural);
    assert.deepEqual(k.categories, categories, plural);
    assert.equal(kindByGvk(group, version, kind), k);
    assert.equal(k.table.columns.filter((c) => c.format === 'name').length, 1, `${plural} has one name column`);
  }
  assert.equal(kindByResource('', 'v1', 'endpoints')!.singular, 'endpoints');
  assert.equal(kindByResource('', 'v1', 'pods')!.singular, 'pod');
  assert.equal(kindByResource('apps', 'v1', 'pods'), undefined);
  assert.equal(kindByApiVersion('apps/v1', 'Deployment')!.plural, 'deployments');
  assert.equal(kindByApiVersion('v1', 'Pod')!.plural, 'pods');
  assert.equal(kindByApiVersion('v2', 'Pod'), undefined);
});

test('subresources and verbs', () => {
  const pods = kindByResource('', 'v1', 'pods')!;
  assert.deepEqual(pods.subresources, ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction']);
  assert.deepEqual(subresourceDiscovery(pods, 'exec'), { kind: 'PodExecOptions', verbs: ['create', 'get'] });
  assert.deepEqual(subresourceDiscovery(pods, 'portforward'), { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] });
  assert.deepEqual(subresourceDiscovery(pods, 'eviction'), { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.deepEqual(subresourceDiscovery(pods, 'log'), { kind: 'Pod', verbs: ['get'] });
  assert.deepEqual(subresourceDiscovery(pods, 'binding'), { kind: 'Binding', verbs: ['create'] });
  const deploy = kindByResource('apps', 'v1', 'deployments')!;
  assert.deepEqual(subresourceDiscovery(deploy, 'scale'), { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  assert.deepEqual(subresourceDiscovery(deploy, 'status'), { kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
  for (const k of kinds) {
    assert.equal(k.hasStatusSubresource, k.subresources.includes('status'), k.plural);
    if (k.plural !== 'namespaces') assert.deepEqual(k.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], k.plural);
  }
  assert.deepEqual(kinds.filter((k) => k.tracksGeneration).map((k) => k.plural), ['deployments', 'replicasets', 'horizontalpodautoscalers', 'horizontalpodautoscalers', 'jobs']);
  // autoscaling/v1 is another version of the stored autoscaling/v2 kind; no other kind has one.
  assert.deepEqual(kinds.filter((k) => k.storage).map((k) => `${k.group}/${k.version}/${k.plural} → ${k.storage!.kind.version}`), ['autoscaling/v1/horizontalpodautoscalers → v2']);
});

test('group-versions in discovery order', () => {
  assert.deepEqual(servedGroupVersions().map((gv) => (gv.group ? `${gv.group}/${gv.version}` : gv.version)), [
    'v1', 'apps/v1', 'autoscaling/v2', 'autoscaling/v1', 'batch/v1', 'coordination.k8s.io/v1', 'events.k8s.io/v1', 'scheduling.k8s.io/v1',
  ]);
  assert.deepEqual(kindsInGroupVersion('apps', 'v1').map((k) => k.plural), ['deployments', 'replicasets']);
});

test('every kind names an OpenAPI definition in upstream style', () => {
  for (const k of kinds) {
    const group = k.group === '' ? 'core' : k.group.replace(/\.k8s\.io$/, '');
    assert.equal(k.definition, `io.k8s.api.${group}.${k.version}.${k.kind}`, k.plural);
  }
});

const definitionsPath = fileURLToPath(new URL('../../../src/api/schema/definitions.json', import.meta.url));
const definitions = JSON.parse(readFileSync(definitionsPath, 'utf8')) as Record<string, unknown>;

test('the generated schemas hold every kind\'s definition', () => {
  const missing = kinds.filter((k) => !(k.definition in definitions)).map((k) => k.definition);
  assert.deepEqual(missing, []);
});
