import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definition, definitions, refName } from '../../../src/api/schema/index.js';
import type { SchemaNode } from '../../../src/api/schema/schema-node.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function property(def: string, name: string): SchemaNode {
  const node = definition(def)?.properties?.[name];
  assert.ok(node, `${def}.${name} exists`);
  return node;
}

test('the committed definitions.json is what the generator writes from kubernetes-types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
  try {
    const out = join(dir, 'definitions.json');
    execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-schemas.mjs'), '--out', out], { stdio: 'pipe' });
    assert.equal(readFileSync(out, 'utf8'), readFileSync(join(repoRoot, 'src/api/schema/definitions.json'), 'utf8'),
      'run `npm run generate:schemas` and commit src/api/schema/definitions.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('descriptions come from the JSDoc of kubernetes-types', () => {
  assert.match(property('io.k8s.api.core.v1.Container', 'image').description ?? '', /Container image name/);
  assert.match(definition('io.k8s.api.apps.v1.Deployment')?.description ?? '', /declarative updates for Pods and ReplicaSets/);
  assert.match(definition('io.k8s.apimachinery.pkg.api.resource.Quantity')?.description ?? '', /fixed-point representation/);
});

test('types, formats and maps follow upstream', () => {
  assert.deepEqual(
    { type: property('io.k8s.api.apps.v1.DeploymentSpec', 'replicas').type, format: property('io.k8s.api.apps.v1.DeploymentSpec', 'replicas').format },
    { type: 'integer', format: 'int32' });
  assert.equal(property('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'generation').format, 'int64');
  assert.equal(property('io.k8s.api.core.v1.PodSpec', 'terminationGracePeriodSeconds').format, 'int64');
  assert.equal(property('io.k8s.api.core.v1.PodSecurityContext', 'supplementalGroups').items?.format, 'int64');
  assert.equal(property('io.k8s.api.core.v1.Secret', 'data').additionalProperties && (property('io.k8s.api.core.v1.Secret', 'data').additionalProperties as SchemaNode).format, 'byte');
  const labels = property('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'labels');
  assert.deepEqual({ type: labels.type, values: labels.additionalProperties }, { type: 'object', values: { type: 'string' } });
  assert.equal(property('io.k8s.api.core.v1.ResourceRequirements', 'limits').additionalProperties && (property('io.k8s.api.core.v1.ResourceRequirements', 'limits').additionalProperties as SchemaNode).$ref,
    '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
});

test('special apimachinery types have their upstream shapes', () => {
  const intOrString = definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(intOrString?.type, 'string');
  assert.equal(intOrString?.format, 'int-or-string');
  assert.equal(intOrString?.['x-kubernetes-int-or-string'], true);
  assert.equal(property('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge').$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(property('io.k8s.api.core.v1.ServicePort', 'targetPort').$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.deepEqual([definition('io.k8s.apimachinery.pkg.apis.meta.v1.Time')?.type, definition('io.k8s.apimachinery.pkg.apis.meta.v1.Time')?.format], ['string', 'date-time']);
  assert.deepEqual([definition('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime')?.type, definition('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime')?.format], ['string', 'date-time']);
  assert.equal(definition('io.k8s.apimachinery.pkg.api.resource.Quantity')?.type, 'string');
  assert.equal(definition('io.k8s.apimachinery.pkg.runtime.RawExtension')?.['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(definition('io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1')?.['x-kubernetes-preserve-unknown-fields'], true);
});

test('required comes from non-optional properties; a kind never requires its own apiVersion or kind', () => {
  assert.deepEqual(definition('io.k8s.api.core.v1.Container')?.required, ['name']);
  assert.deepEqual(definition('io.k8s.api.apps.v1.DeploymentSpec')?.required, ['selector', 'template']);
  assert.deepEqual(definition('io.k8s.api.core.v1.PodSpec')?.required, ['containers']);
  assert.deepEqual(definition('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference')?.required, ['apiVersion', 'kind', 'name', 'uid']);
  for (const [name, node] of Object.entries(definitions)) {
    if (!node['x-kubernetes-group-version-kind']) continue;
    assert.ok(!(node.required ?? []).includes('apiVersion') && !(node.required ?? []).includes('kind'), name);
  }
});

test('strategic merge metadata is present where upstream declares it', () => {
  const expect = (def: string, prop: string, key: string | undefined, strategy: string | undefined, listType?: string, mapKeys?: string[]) => {
    const node = property(def, prop);
    assert.equal(node['x-kubernetes-patch-merge-key'], key, `${def}.${prop} merge key`);
    assert.equal(node['x-kubernetes-patch-strategy'], strategy, `${def}.${prop} strategy`);
    if (listType) assert.equal(node['x-kubernetes-list-type'], listType, `${def}.${prop} list type`);
    if (mapKeys) assert.deepEqual(node['x-kubernetes-list-map-keys'], mapKeys, `${def}.${prop} map keys`);
  };
  const core = 'io.k8s.api.core.v1';
  expect(`${core}.PodSpec`, 'containers', 'name', 'merge');
  expect(`${core}.PodSpec`, 'initContainers', 'name', 'merge');
  expect(`${core}.PodSpec`, 'ephemeralContainers', 'name', 'merge');
  expect(`${core}.PodSpec`, 'volumes', 'name', 'merge,retainKeys');
  expect(`${core}.PodSpec`, 'imagePullSecrets', 'name', 'merge');
  expect(`${core}.PodSpec`, 'hostAliases', 'ip', 'merge');
  expect(`${core}.PodSpec`, 'topologySpreadConstraints', 'topologyKey', 'merge', 'map', ['topologyKey', 'whenUnsatisfiable']);
  expect(`${core}.PodSpec`, 'tolerations', undefined, undefined, 'atomic');
  expect(`${core}.Container`, 'env', 'name', 'merge');
  expect(`${core}.Container`, 'volumeMounts', 'mountPath', 'merge');
  expect(`${core}.Container`, 'volumeDevices', 'devicePath', 'merge');
  expect(`${core}.Container`, 'ports', 'containerPort', 'merge', 'map', ['containerPort', 'protocol']);
  expect(`${core}.Container`, 'args', undefined, undefined, 'atomic');
  expect(`${core}.Container`, 'command', undefined, undefined, 'atomic');
  expect(`${core}.ServiceSpec`, 'ports', 'port', 'merge', 'map', ['port', 'protocol']);
  expect(`${core}.PodStatus`, 'podIPs', 'ip', 'merge');
  expect(`${core}.PodStatus`, 'conditions', 'type', 'merge');
  expect(`${core}.NodeStatus`, 'addresses', 'type', 'merge');
  expect(`${core}.NodeStatus`, 'conditions', 'type', 'merge');
  expect('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', 'uid', 'merge', 'map', ['uid']);
  expect('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers', undefined, 'merge', 'set');
  expect('io.k8s.api.apps.v1.DeploymentSpec', 'strategy', undefined, 'retainKeys');
  expect('io.k8s.api.apps.v1.DeploymentStatus', 'conditions', 'type', 'merge', 'map', ['type']);
  expect('io.k8s.api.apps.v1.ReplicaSetStatus', 'conditions', 'type', 'merge', 'map', ['type']);
  expect('io.k8s.api.batch.v1.JobStatus', 'conditions', 'type', 'merge', 'atomic');
  expect('io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus', 'conditions', 'type', 'merge', 'map', ['type']);
  expect('io.k8s.api.policy.v1.PodDisruptionBudgetStatus', 'conditions', 'type', 'merge', 'map', ['type']);
});

test('top-level kinds carry x-kubernetes-group-version-kind; hand-added metrics and Table are there', () => {
  const gvk = (name: string) => definition(name)?.['x-kubernetes-group-version-kind'];
  assert.deepEqual(gvk('io.k8s.api.core.v1.Pod'), [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(gvk('io.k8s.api.apps.v1.Deployment'), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(gvk('io.k8s.api.coordination.v1.Lease'), [{ group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' }]);
  assert.deepEqual(gvk('io.k8s.api.events.v1.Event'), [{ group: 'events.k8s.io', kind: 'Event', version: 'v1' }]);
  assert.deepEqual(gvk('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'), [{ group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v2' }]);
  assert.deepEqual(gvk('io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics'), [{ group: 'metrics.k8s.io', kind: 'PodMetrics', version: 'v1beta1' }]);
  assert.deepEqual(gvk('io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetricsList'), [{ group: 'metrics.k8s.io', kind: 'NodeMetricsList', version: 'v1beta1' }]);
  assert.deepEqual(gvk('io.k8s.apimachinery.pkg.apis.meta.v1.Table'), [{ group: 'meta.k8s.io', kind: 'Table', version: 'v1' }]);
  assert.equal(gvk('io.k8s.api.core.v1.PodSpec'), undefined);
});

test('every $ref resolves to a definition', () => {
  const visit = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') {
        assert.equal(typeof value, 'string');
        assert.ok(definition(refName(value as string)), `${where}: ${String(value)} resolves`);
      } else visit(value, where);
    }
  };
  for (const [name, node] of Object.entries(definitions)) visit(node, name);
  assert.ok(Object.keys(definitions).length > 300);
});
