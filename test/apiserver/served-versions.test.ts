/**
 * A kind served in two versions from one storage version: autoscaling/v1 HorizontalPodAutoscalers are the stored
 * autoscaling/v2 objects, converted on get, list, watch, writes, patches, tables, discovery and OpenAPI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_SPECS_ANNOTATION } from '../../src/api/kinds/hpa-v1.js';
import { startTestServer, type TestServer } from './harness.js';

const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const cpu = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t?.stop(); });

function hpaV1(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50, ...spec } };
}

test('create in v1, read in v2 and back in v1 (get, list, table, status)', async () => {
  const created = await t.client.post(V1, hpaV1('one'));
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.apiVersion, 'autoscaling/v1');
  assert.equal(created.json.spec.targetCPUUtilizationPercentage, 50);
  assert.equal(created.json.metadata.generation, 1);

  const asV2 = await t.client.get(`${V2}/one`);
  assert.equal(asV2.json.apiVersion, 'autoscaling/v2');
  assert.deepEqual(asV2.json.spec.metrics, [cpu(50)]);
  assert.equal(asV2.json.metadata.resourceVersion, created.json.metadata.resourceVersion);

  const asV1 = await t.client.get(`${V1}/one`);
  assert.deepEqual(asV1.json.spec, { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
  assert.equal(asV1.json.metadata.annotations, undefined);

  const list = await t.client.get(V1);
  assert.equal(list.json.apiVersion, 'autoscaling/v1');
  assert.equal(list.json.kind, 'HorizontalPodAutoscalerList');
  assert.deepEqual(list.json.items.map((i: { apiVersion: string; metadata: { name: string } }) => `${i.apiVersion} ${i.metadata.name}`), ['autoscaling/v1 one']);

  const table = await t.client.get(V1, { accept: TABLE });
  assert.equal(table.json.kind, 'Table');
  assert.deepEqual(table.json.rows[0].cells.slice(0, 4), ['one', 'Deployment/web', 'cpu: <unknown>/50%', '1']);

  const status = await t.client.get(`${V1}/one/status`);
  assert.equal(status.json.apiVersion, 'autoscaling/v1');
  const put = await t.client.put(`${V1}/one/status`, { ...status.json, status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 } });
  assert.equal(put.status, 200, put.text);
  const v2Status = (await t.client.get(`${V2}/one`)).json.status;
  assert.deepEqual(v2Status, { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }] });
});

test('a v1 read-modify-write keeps what only v2 can say', async () => {
  const created = await t.client.post(V2, {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'rich' },
    spec: { scaleTargetRef: ref, maxReplicas: 4, metrics: [memory, cpu(60)], behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } },
  });
  assert.equal(created.status, 201, created.text);
  const v1 = (await t.client.get(`${V1}/rich`)).json;
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
  assert.ok(v1.metadata.annotations[METRIC_SPECS_ANNOTATION]);

  const same = await t.client.put(`${V1}/rich`, v1);
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json.metadata.resourceVersion, v1.metadata.resourceVersion, 'an unchanged v1 PUT writes nothing');

  v1.spec.maxReplicas = 6;
  const changed = await t.client.put(`${V1}/rich`, v1);
  assert.equal(changed.status, 200, changed.text);
  const v2 = (await t.client.get(`${V2}/rich`)).json;
  assert.equal(v2.spec.maxReplicas, 6);
  assert.deepEqual(v2.spec.metrics, [memory, cpu(60)]);
  assert.equal(v2.spec.behavior.scaleDown.stabilizationWindowSeconds, 30);
  assert.equal(v2.metadata.annotations, undefined, 'round-trip annotations are not stored');
  assert.equal(v2.metadata.generation, 2);

  const stale = await t.client.put(`${V1}/rich`, v1);
  assert.equal(stale.status, 409, 'the v1 resourceVersion is the stored one');
});

test('patches apply to the v1 object, then convert to storage', async () => {
  await t.client.post(V1, hpaV1('patched'));
  const merge = await t.client.patch(`${V1}/patched`, { spec: { targetCPUUtilizationPercentage: 70 } }, 'application/merge-patch+json');
  assert.equal(merge.status, 200, merge.text);
  assert.equal(merge.json.apiVersion, 'autoscaling/v1');
  assert.equal(merge.json.spec.targetCPUUtilizationPercentage, 70);
  assert.deepEqual((await t.client.get(`${V2}/patched`)).json.spec.metrics, [cpu(70)]);

  const strategic = await t.client.patch(`${V1}/patched`, { spec: { maxReplicas: 8 } }, 'application/strategic-merge-patch+json');
  assert.equal(strategic.status, 200, strategic.text);
  const json = await t.client.patch(`${V1}/patched`, [{ op: 'replace', path: '/spec/minReplicas', value: 2 }], 'application/json-patch+json');
  assert.equal(json.status, 200, json.text);
  const v2 = (await t.client.get(`${V2}/patched`)).json;
  assert.deepEqual([v2.spec.minReplicas, v2.spec.maxReplicas], [2, 8]);

  // v1's schema decides what a v1 patch may say: a v2 field is unknown there.
  const strict = await t.client.patch(`${V1}/patched?fieldValidation=Strict`, { spec: { metrics: [memory] } }, 'application/merge-patch+json');
  assert.equal(strict.status, 400, strict.text);
  assert.match(strict.json.message, /unknown field "spec.metrics"/);

  const invalid = await t.client.patch(`${V1}/patched`, { spec: { maxReplicas: 0 } }, 'application/merge-patch+json');
  assert.equal(invalid.status, 422, invalid.text);
  assert.equal(invalid.json.details.kind, 'HorizontalPodAutoscaler');

  const ssa = await t.client.patch(`${V1}/applied?fieldManager=test`, hpaV1('applied', { targetCPUUtilizationPercentage: 40 }), 'application/apply-patch+yaml');
  assert.equal(ssa.status, 201, ssa.text);
  assert.deepEqual((await t.client.get(`${V2}/applied`)).json.spec.metrics, [cpu(40)]);
});

test('a v1 watch gets v1 objects whichever version wrote them', async () => {
  const start = (await t.client.get(V1)).json.metadata.resourceVersion;
  const watching = t.client.watch(`${V1}?watch=true&resourceVersion=${start}`, (events) => events.length >= 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await t.client.post(V2, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'watched' }, spec: { scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(30)] } });
  await t.client.patch(`${V2}/watched`, { spec: { metrics: [cpu(35)] } }, 'application/merge-patch+json');
  await t.client.delete(`${V1}/watched`);
  const events = await watching;
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.apiVersion} ${e.object.spec.targetCPUUtilizationPercentage}`), [
    'ADDED autoscaling/v1 30', 'MODIFIED autoscaling/v1 35', 'DELETED autoscaling/v1 35',
  ]);

  const initial = await t.client.watch(`${V1}?watch=true&fieldSelector=metadata.name%3Done`, (e) => e.length >= 1);
  assert.equal(initial[0]?.object.apiVersion, 'autoscaling/v1');
  const tableEvents = await t.client.watch(`${V1}?watch=true&fieldSelector=metadata.name%3Done`, (e) => e.length >= 1, { accept: TABLE });
  assert.equal(tableEvents[0]?.object.rows[0].cells[2], 'cpu: 70%/50%', 'the status written through v1 above');
});

test('discovery lists both versions, v2 preferred; OpenAPI describes v1', async () => {
  const groups = (await t.client.get('/apis')).json.groups as Array<{ name: string; versions: Array<{ version: string }>; preferredVersion: { version: string } }>;
  const autoscaling = groups.find((g) => g.name === 'autoscaling')!;
  assert.deepEqual(autoscaling.versions.map((v) => v.version), ['v2', 'v1']);
  assert.equal(autoscaling.preferredVersion.version, 'v2');

  const resources = (await t.client.get('/apis/autoscaling/v1')).json.resources as Array<{ name: string; kind: string; shortNames?: string[] }>;
  assert.deepEqual(resources.map((r) => `${r.name} ${r.kind}`), ['horizontalpodautoscalers HorizontalPodAutoscaler', 'horizontalpodautoscalers/status HorizontalPodAutoscaler']);
  assert.deepEqual(resources[0]!.shortNames, ['hpa']);
  const scale = ((await t.client.get('/apis/apps/v1')).json.resources as Array<{ name: string; group?: string; version?: string }>).find((r) => r.name === 'deployments/scale');
  assert.deepEqual([scale?.group, scale?.version], ['autoscaling', 'v1']);

  const agg = await t.client.get('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  const group = (agg.json.items as Array<{ metadata: { name: string }; versions: Array<{ version: string; resources: Array<{ resource: string; responseKind: { version: string } }> }> }>)
    .find((g) => g.metadata.name === 'autoscaling')!;
  assert.deepEqual(group.versions.map((v) => `${v.version}:${v.resources.map((r) => `${r.resource}=${r.responseKind.version}`).join()}`), [
    'v2:horizontalpodautoscalers=v2', 'v1:horizontalpodautoscalers=v1',
  ]);

  const doc = (await t.client.get('/openapi/v3/apis/autoscaling/v1')).json;
  const schema = doc.components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'];
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v1' }]);
  assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec'].properties.targetCPUUtilizationPercentage);
  assert.ok(doc.paths['/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}/status']);
  const v2doc = (await t.client.get('/openapi/v2')).json;
  assert.ok(v2doc.paths['/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers']);
  assert.ok(v2doc.definitions['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler']);
});
