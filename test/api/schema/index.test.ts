import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition, kindDefinitions, refName, resolve, schemaAt } from '../../../src/api/schema/index.js';

test('resolve follows $ref and keeps the referring node extensions on top', () => {
  const strategy = definition('io.k8s.api.apps.v1.DeploymentSpec')?.properties?.['strategy'];
  assert.ok(strategy?.$ref);
  const resolved = resolve(strategy);
  assert.equal(resolved.$ref, undefined);
  assert.ok(resolved.properties?.['rollingUpdate']);
  assert.equal(resolved['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.match(resolved.description ?? '', /deployment strategy to use/);
  assert.throws(() => resolve({ $ref: '#/definitions/does.not.Exist' }), /unresolvable/);
});

test('schemaAt walks properties, list items and map values', () => {
  const containers = schemaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers']);
  assert.equal(containers?.type, 'array');
  assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers?.['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(schemaAt('io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers', 0, 'image'])?.type, 'string');
  assert.equal(schemaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 'ports'])?.['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(schemaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', '1', 'env'])?.['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(schemaAt('io.k8s.api.core.v1.Pod', ['metadata', 'labels', 'app'])?.type, 'string');
  assert.equal(schemaAt('io.k8s.api.core.v1.Pod', ['spec', 'containers', 0, 'resources', 'limits', 'cpu'])?.type, 'string');
  assert.equal(schemaAt('io.k8s.api.core.v1.Pod', ['spec', 'nope']), undefined);
  assert.equal(schemaAt('no.such.Definition', []), undefined);
});

test('refName strips the definitions prefix; kindDefinitions lists group/version/kind', () => {
  assert.equal(refName('#/definitions/io.k8s.api.core.v1.Pod'), 'io.k8s.api.core.v1.Pod');
  const deployment = kindDefinitions().find((k) => k.kind === 'Deployment' && k.group === 'apps');
  assert.deepEqual(deployment, { name: 'io.k8s.api.apps.v1.Deployment', group: 'apps', version: 'v1', kind: 'Deployment' });
});
