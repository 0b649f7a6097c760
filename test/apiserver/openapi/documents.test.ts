import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  documentHash, openApiV2, openApiV3For, openApiV3Index, serialize, type OpenApiV3Document,
} from '../../../src/apiserver/openapi/index.js';
import { fixtureKinds } from './fixture-kinds.js';

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const element of node) refsIn(element, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

const v2 = openApiV2(fixtureKinds);

test('v2: swagger shape, paths per kind, every $ref resolves', () => {
  assert.equal(v2.swagger, '2.0');
  assert.equal(v2.info.title, 'Kubernetes');
  for (const path of [
    '/api/v1/namespaces/{namespace}/pods', '/api/v1/namespaces/{namespace}/pods/{name}', '/api/v1/pods',
    '/api/v1/namespaces/{namespace}/pods/{name}/status', '/api/v1/namespaces/{namespace}/pods/{name}/log',
    '/api/v1/namespaces/{namespace}/pods/{name}/binding', '/api/v1/namespaces/{namespace}/pods/{name}/exec',
    '/api/v1/namespaces', '/api/v1/namespaces/{name}', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases', '/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods',
  ]) assert.ok(v2.paths[path], `${path} is described`);
  assert.equal(v2.paths['/api/v1/nodes'], undefined);
  const refs = refsIn(v2);
  assert.ok(refs.length > 100);
  for (const ref of refs) {
    assert.ok(ref.startsWith('#/definitions/'), ref);
    assert.ok(v2.definitions[ref.slice('#/definitions/'.length)], `${ref} resolves`);
  }
  assert.ok(v2.definitions['dev.stratus.example.v1alpha1.Widget']?.['x-kubernetes-preserve-unknown-fields'], 'placeholder for a kind without schema');
  assert.equal(v2.definitions['io.k8s.api.batch.v1.Job'], undefined, 'only what served kinds reach is published');
});

test('v2: operations carry ids, actions, group-version-kind and write parameters', () => {
  const deployments = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
  assert.equal(deployments?.post?.operationId, 'createAppsV1NamespacedDeployment');
  assert.equal(deployments?.get?.operationId, 'listAppsV1NamespacedDeployment');
  assert.equal(deployments?.delete?.operationId, 'deleteAppsV1CollectionNamespacedDeployment');
  assert.equal(deployments?.get?.['x-kubernetes-action'], 'list');
  assert.deepEqual(deployments?.post?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  const patch = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  assert.equal(patch?.operationId, 'patchAppsV1NamespacedDeployment');
  assert.ok(patch?.consumes.includes('application/strategic-merge-patch+json'));
  for (const name of ['dryRun', 'fieldManager', 'fieldValidation', 'force']) {
    assert.ok(patch?.parameters.some((p) => p.name === name && p.in === 'query'), `patch has ${name}`);
  }
  assert.deepEqual(v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.put?.['x-kubernetes-group-version-kind'],
    { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.equal(v2.paths['/api/v1/pods']?.get?.operationId, 'listCoreV1PodForAllNamespaces');
  assert.equal(v2.paths['/api/v1/namespaces/{name}']?.get?.operationId, 'readCoreV1Namespace');
  assert.equal(v2.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec']?.post?.['x-kubernetes-action'], 'connect');
  assert.equal(v2.paths['/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}']?.patch, undefined, 'verbs limit operations');
  assert.deepEqual(v2.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.parameters.map((p) => p.name), ['namespace', 'name', 'pretty']);
});

const apps = openApiV3For('apis/apps/v1', fixtureKinds) as OpenApiV3Document;

test('v3: one document per group-version, components closed under $ref', () => {
  assert.equal(apps.openapi, '3.0.0');
  assert.deepEqual(Object.keys(apps.paths).sort(), [
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status',
  ]);
  for (const key of ['api/v1', 'apis/coordination.k8s.io/v1', 'apis/metrics.k8s.io/v1beta1', 'apis/example.stratus.dev/v1alpha1']) {
    const doc = openApiV3For(key, fixtureKinds);
    assert.ok(doc, key);
    for (const ref of refsIn(doc)) {
      assert.ok(ref.startsWith('#/components/schemas/'), ref);
      assert.ok(doc.components.schemas[ref.slice('#/components/schemas/'.length)], `${key}: ${ref} resolves`);
    }
  }
  for (const ref of refsIn(apps)) assert.ok(apps.components.schemas[ref.slice('#/components/schemas/'.length)], ref);
  assert.ok(apps.components.schemas['io.k8s.api.core.v1.PodTemplateSpec'], 'cross-group schemas are included');
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  assert.equal(openApiV3For('apis/batch/v1', fixtureKinds), undefined);
  assert.equal(openApiV3For('apps/v1', fixtureKinds)?.info.title, 'Kubernetes', "'apps/v1' is accepted too");
  assert.ok(openApiV3For('v1', fixtureKinds)?.paths['/api/v1/namespaces']);
});

test('v3: what kubectl needs — fieldValidation on every PATCH of the kind, strategic merge body, GVK', () => {
  const gvk = { group: 'apps', kind: 'Deployment', version: 'v1' };
  const patches = Object.values(apps.paths).map((item) => item.patch).filter((op) => op !== undefined);
  const ofDeployment = patches.filter((op) => JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify(gvk));
  assert.equal(ofDeployment.length, 2, 'main resource and status');
  for (const op of ofDeployment) {
    assert.ok(op.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
    assert.ok(op.requestBody?.content['application/strategic-merge-patch+json']);
    assert.equal(op['x-kubernetes-action'], 'patch');
  }
  const create = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments']?.post;
  assert.deepEqual(create?.parameters.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation']);
  assert.equal(create?.requestBody?.content['*/*']?.schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');
  assert.equal(create?.responses['201']?.content?.['application/json']?.schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');
  assert.deepEqual(apps.components.schemas['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'], [gvk]);
});

test('v3: schemas use allOf for refs with siblings, and the v3 forms of IntOrString and Quantity', () => {
  const spec = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'];
  const strategy = spec?.properties?.['strategy'];
  assert.deepEqual(strategy?.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
  assert.equal(strategy?.['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.match(strategy?.description ?? '', /deployment strategy/);
  const containers = apps.components.schemas['io.k8s.api.core.v1.PodSpec']?.properties?.['containers'];
  assert.equal(containers?.items?.$ref, '#/components/schemas/io.k8s.api.core.v1.Container');
  assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
  const intOrString = apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.deepEqual([intOrString?.format, intOrString?.oneOf, intOrString?.type], ['int-or-string', [{ type: 'integer' }, { type: 'string' }], undefined]);
  assert.deepEqual(apps.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']?.oneOf, [{ type: 'string' }, { type: 'number' }]);
});

test('v3 index: every served group-version with a URL whose hash is the document hash', () => {
  const index = openApiV3Index(fixtureKinds);
  assert.deepEqual(Object.keys(index.paths).sort(), [
    'api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1', 'apis/example.stratus.dev/v1alpha1', 'apis/metrics.k8s.io/v1beta1',
  ]);
  const url = index.paths['apis/apps/v1']?.serverRelativeURL ?? '';
  assert.equal(url, `/openapi/v3/apis/apps/v1?hash=${documentHash(serialize(apps))}`);
  assert.match(url, /hash=[0-9A-F]{128}$/);
});
