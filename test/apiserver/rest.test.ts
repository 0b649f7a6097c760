import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, pod, type TestServer } from './harness.js';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

function deployment(name: string, replicas = 1): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
}

test('authentication: 401 Status without or with a wrong token; health and version are public', async () => {
  for (const token of [null, 'wrong']) {
    const r = await t.client.get(PODS, { token });
    assert.equal(r.status, 401);
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.reason, 'Unauthorized');
  }
  assert.equal((await t.client.get('/readyz', { token: null })).text, 'ok');
  const v = await t.client.get('/version', { token: null });
  assert.equal(v.json.major, '1');
  assert.match(v.json.gitVersion, /^v1\.\d+/);
});

test('discovery: plain and aggregated, main resource before subresources, scale is autoscaling/v1', async () => {
  const api = await t.client.get('/api');
  assert.deepEqual(api.json.versions, ['v1']);
  const apis = await t.client.get('/apis');
  assert.equal(apis.json.kind, 'APIGroupList');
  assert.ok(apis.json.groups.some((g: { name: string }) => g.name === 'apps'));
  const apps = await t.client.get('/apis/apps/v1');
  const names: string[] = apps.json.resources.map((r: { name: string }) => r.name);
  assert.ok(names.indexOf('deployments') < names.indexOf('deployments/scale'));
  const scale = apps.json.resources.find((r: { name: string }) => r.name === 'deployments/scale');
  assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  const agg = await t.client.get('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  assert.match(String(agg.headers['content-type']), /as="?APIGroupDiscoveryList/);
  assert.equal(agg.json.kind, 'APIGroupDiscoveryList');
  const appsGroup = agg.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
  const deploy = appsGroup.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
  assert.equal(deploy.scope, 'Namespaced');
  assert.ok(deploy.subresources.some((s: { subresource: string; responseKind: { kind: string } }) => s.subresource === 'scale' && s.responseKind.kind === 'Scale'));
  const core = await t.client.get('/api', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  assert.equal(core.json.items[0].versions[0].version, 'v1');
  assert.equal((await t.client.get('/apis/nope/v1')).status, 404);
});

test('bootstrap: system namespaces and the kubernetes Service on the first IP', async () => {
  const ns = await t.client.get('/api/v1/namespaces');
  const names = ns.json.items.map((n: { metadata: { name: string } }) => n.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
  const svc = await t.client.get('/api/v1/namespaces/default/services/kubernetes');
  assert.equal(svc.json.spec.clusterIP, '10.96.0.1');
});

test('create/get/update/delete a pod with server-set metadata, conflicts and AlreadyExists', async () => {
  const created = await t.client.post(PODS, pod('p1'));
  assert.equal(created.status, 201);
  const p = created.json;
  assert.equal(p.kind, 'Pod');
  assert.match(p.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(p.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(p.status.phase, 'Pending');
  assert.equal((await t.client.post(PODS, pod('p1'))).json.reason, 'AlreadyExists');

  const got = await t.client.get(`${PODS}/p1`);
  assert.equal(got.json.metadata.resourceVersion, p.metadata.resourceVersion);

  const updated = await t.client.put(`${PODS}/p1`, { ...got.json, metadata: { ...got.json.metadata, labels: { app: 'web', v: '2' } } });
  assert.equal(updated.status, 200);
  assert.ok(Number(updated.json.metadata.resourceVersion) > Number(p.metadata.resourceVersion));
  assert.equal(updated.json.status.phase, 'Pending');

  const stale = await t.client.put(`${PODS}/p1`, got.json);
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');

  const unconditional = await t.client.put(`${PODS}/p1`, { ...got.json, metadata: { name: 'p1', labels: { app: 'web', v: '3' } } });
  assert.equal(unconditional.status, 200);
  assert.equal(unconditional.json.metadata.uid, p.metadata.uid);

  const gone = await t.client.delete(`${PODS}/p1`);
  assert.equal(gone.status, 200);
  assert.equal((await t.client.get(`${PODS}/p1`)).status, 404);
  const nf = await t.client.get(`${PODS}/p1`);
  assert.equal(nf.json.reason, 'NotFound');
  assert.equal(nf.json.message, 'pods "p1" not found');
});

test('generateName, dry run, namespace checks', async () => {
  const g = await t.client.post(PODS, { ...pod(''), metadata: { generateName: 'gen-' } });
  assert.equal(g.status, 201);
  assert.match(g.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);

  const revBefore = await t.store.revision();
  const dry = await t.client.post(`${PODS}?dryRun=All`, pod('dry'));
  assert.equal(dry.status, 201);
  assert.equal(await t.store.revision(), revBefore);
  assert.equal((await t.client.get(`${PODS}/dry`)).status, 404);

  const missing = await t.client.post('/api/v1/namespaces/nowhere/pods', pod('x'));
  assert.equal(missing.status, 404);
  assert.equal(missing.json.details.kind, 'namespaces');

  const mismatch = await t.client.post(PODS, { ...pod('x'), metadata: { name: 'x', namespace: 'kube-system' } });
  assert.equal(mismatch.status, 400);
  const noName = await t.client.post(PODS, { ...pod(''), metadata: {} });
  assert.equal(noName.status, 422);
  assert.equal(noName.json.details.causes[0].field, 'metadata.name');
  assert.equal((await t.client.post(PODS, { ...pod('x'), kind: 'Service' })).status, 400);
});

test('terminating namespace: deletionTimestamp + Terminating, creates are 403, finalize removes it', async () => {
  assert.equal((await t.client.post('/api/v1/namespaces', { metadata: { name: 'term' } })).status, 201);
  const del = await t.client.delete('/api/v1/namespaces/term');
  assert.equal(del.status, 200);
  assert.ok(del.json.metadata.deletionTimestamp);
  assert.equal(del.json.status.phase, 'Terminating');
  const refused = await t.client.post('/api/v1/namespaces/term/pods', pod('x'));
  assert.equal(refused.status, 403);
  assert.equal(refused.json.reason, 'Forbidden');
  const ns = (await t.client.get('/api/v1/namespaces/term')).json;
  const fin = await t.client.put('/api/v1/namespaces/term/finalize', { ...ns, spec: { finalizers: [] } });
  assert.equal(fin.status, 200);
  assert.equal((await t.client.get('/api/v1/namespaces/term')).status, 404);
});

test('list: label and field selectors, limit and continue at one revision, Table output', async () => {
  for (let i = 0; i < 7; i++) await t.client.post(PODS, pod(`l${i}`, { metadata: { name: `l${i}`, labels: { app: 'list', n: String(i % 2) } } }));
  const odd = await t.client.get(`${PODS}?labelSelector=${encodeURIComponent('app=list,n in (1)')}`);
  assert.equal(odd.json.kind, 'PodList');
  assert.equal(odd.json.items.length, 3);
  const byName = await t.client.get(`${PODS}?fieldSelector=metadata.name%3Dl3`);
  assert.deepEqual(byName.json.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['l3']);
  assert.equal((await t.client.get(`${PODS}?fieldSelector=spec.bogus%3Dx`)).status, 400);
  assert.equal((await t.client.get(`${PODS}?labelSelector=${encodeURIComponent('a in (')}`)).status, 400);

  const first = await t.client.get(`${PODS}?labelSelector=app%3Dlist&limit=3`);
  assert.equal(first.json.items.length, 3);
  const token = first.json.metadata.continue;
  assert.ok(token);
  await t.client.post(PODS, pod('l9', { metadata: { name: 'l9', labels: { app: 'list' } } }));
  const seen = [...first.json.items];
  let next = token;
  while (next) {
    const page = await t.client.get(`${PODS}?labelSelector=app%3Dlist&limit=3&continue=${encodeURIComponent(next)}`);
    assert.equal(page.status, 200);
    assert.equal(page.json.metadata.resourceVersion, first.json.metadata.resourceVersion);
    seen.push(...page.json.items);
    next = page.json.metadata.continue;
  }
  assert.equal(seen.length, 7, 'pages read the first page\'s snapshot (l9 came later)');
  assert.equal((await t.client.get(`${PODS}?limit=3&continue=garbage`)).status, 400);

  const table = await t.client.get(`${PODS}?labelSelector=app%3Dlist`, { accept: TABLE });
  assert.equal(table.json.kind, 'Table');
  assert.equal(table.json.apiVersion, 'meta.k8s.io/v1');
  assert.equal(table.json.rows.length, 8);
  assert.equal(table.json.rows[0].object.kind, 'PartialObjectMetadata');
  assert.ok(table.json.columnDefinitions.length >= 2);
  const all = await t.client.get('/api/v1/pods?labelSelector=app%3Dlist');
  assert.equal(all.json.items.length, 8);
});

test('deployments: generation on spec changes only, status subresource, scale subresource', async () => {
  const d = (await t.client.post(DEPLOYS, deployment('web', 2))).json;
  assert.equal(d.metadata.generation, 1);
  const labelled = await t.client.patch(`${DEPLOYS}/web`, { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
  assert.equal(labelled.json.metadata.generation, 1);
  const scaled = await t.client.patch(`${DEPLOYS}/web`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
  assert.equal(scaled.json.metadata.generation, 2);

  const withStatus = await t.client.put(`${DEPLOYS}/web/status`, { ...scaled.json, spec: { ...scaled.json.spec, replicas: 9 }, status: { replicas: 3, observedGeneration: 2 } });
  assert.equal(withStatus.status, 200);
  assert.equal(withStatus.json.status.replicas, 3);
  assert.equal(withStatus.json.spec.replicas, 3, 'status writes keep the spec');
  const mainWrite = await t.client.put(`${DEPLOYS}/web`, { ...withStatus.json, status: { replicas: 0 } });
  assert.equal(mainWrite.json.status.replicas, 3, 'main-resource writes keep the status');

  const scale = await t.client.get(`${DEPLOYS}/web/scale`);
  assert.deepEqual([scale.json.kind, scale.json.apiVersion, scale.json.spec.replicas, scale.json.status.selector], ['Scale', 'autoscaling/v1', 3, 'app=web']);
  const patchedScale = await t.client.patch(`${DEPLOYS}/web/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
  assert.equal(patchedScale.json.spec.replicas, 5);
  const putScale = await t.client.put(`${DEPLOYS}/web/scale`, { ...patchedScale.json, spec: { replicas: 4 } });
  assert.equal(putScale.json.spec.replicas, 4);
  const staleScale = await t.client.put(`${DEPLOYS}/web/scale`, { ...patchedScale.json, spec: { replicas: 1 } });
  assert.equal(staleScale.status, 409);
  assert.equal((await t.client.get(`${DEPLOYS}/web`)).json.spec.replicas, 4);
  const badScale = await t.client.patch(`${DEPLOYS}/web/scale`, { spec: { replicas: -1 } }, 'application/merge-patch+json');
  assert.equal(badScale.status, 422);
});

test('patch types: json, merge, strategic, apply (fieldManager required), others 415', async () => {
  await t.client.post(PODS, pod('pt'));
  const json = await t.client.patch(`${PODS}/pt`, [{ op: 'add', path: '/metadata/labels/j', value: '1' }], 'application/json-patch+json');
  assert.equal(json.json.metadata.labels.j, '1');
  const merge = await t.client.patch(`${PODS}/pt`, { metadata: { labels: { m: '1' } } }, 'application/merge-patch+json');
  assert.equal(merge.json.metadata.labels.m, '1');
  const smp = await t.client.patch(`${PODS}/pt`, { metadata: { labels: { s: '1' } } }, 'application/strategic-merge-patch+json');
  assert.equal(smp.json.metadata.labels.s, '1');
  assert.equal((await t.client.patch(`${PODS}/pt`, { a: 1 }, 'text/plain')).status, 415);
  const noManager = await t.client.request('PATCH', `${PODS}/pt`, { raw: 'metadata: {labels: {a: "1"}}', contentType: 'application/apply-patch+yaml' });
  assert.equal(noManager.status, 400);
  const applied = await t.client.request('PATCH', `${PODS}/applied?fieldManager=test`, {
    raw: 'apiVersion: v1\nkind: Pod\nmetadata: {name: applied}\nspec: {containers: [{name: c, image: busybox}]}\n', contentType: 'application/apply-patch+yaml',
  });
  assert.equal(applied.status, 201);
  const stale = await t.client.patch(`${PODS}/pt`, { metadata: { resourceVersion: '1', labels: { z: '1' } } }, 'application/merge-patch+json');
  assert.equal(stale.status, 409);
  assert.equal((await t.client.patch(`${PODS}/nope`, { a: 1 }, 'application/merge-patch+json')).status, 404);
});

test('pods: binding, graceful delete on a node, eviction, unscheduled pods go at once', async () => {
  await t.client.post(PODS, pod('b1'));
  const bind = await t.client.post(`${PODS}/b1/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { kind: 'Node', name: 'node-1' } });
  assert.equal(bind.status, 201);
  const bound = (await t.client.get(`${PODS}/b1`)).json;
  assert.equal(bound.spec.nodeName, 'node-1');
  assert.ok(bound.status.conditions.some((c: { type: string; status: string }) => c.type === 'PodScheduled' && c.status === 'True'));
  assert.equal((await t.client.post(`${PODS}/b1/binding`, { target: { name: 'node-2' } })).status, 409);

  const graceful = await t.client.delete(`${PODS}/b1`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 30 });
  assert.equal(graceful.status, 200);
  assert.ok(graceful.json.metadata.deletionTimestamp);
  assert.equal(graceful.json.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((await t.client.get(`${PODS}/b1`)).status, 200, 'it stays until the node agent finishes');
  assert.equal((await t.client.delete(`${PODS}/b1?gracePeriodSeconds=0`)).status, 200);
  assert.equal((await t.client.get(`${PODS}/b1`)).status, 404);

  await t.client.post(PODS, pod('e1'));
  const evict = await t.client.post(`${PODS}/e1/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'e1' } });
  assert.equal(evict.status, 201);
  assert.equal((await t.client.get(`${PODS}/e1`)).status, 404);
});

test('delete: preconditions, finalizers, Foreground/Orphan, deletecollection, Status answer', async () => {
  const cms = '/api/v1/namespaces/default/configmaps';
  const cm = (await t.client.post(cms, { metadata: { name: 'c1' }, data: { a: 'b' } })).json;
  const badPre = await t.client.delete(`${cms}/c1`, { preconditions: { uid: 'not-it' } });
  assert.equal(badPre.status, 409);
  const ok = await t.client.delete(`${cms}/c1`, { preconditions: { uid: cm.metadata.uid } });
  assert.equal(ok.json.kind, 'Status');
  assert.equal(ok.json.status, 'Success');
  assert.equal(ok.json.details.uid, cm.metadata.uid);

  await t.client.post(cms, { metadata: { name: 'f1', finalizers: ['example.com/hold'] } });
  const held = await t.client.delete(`${cms}/f1`);
  assert.ok(held.json.metadata.deletionTimestamp);
  const current = (await t.client.get(`${cms}/f1`)).json;
  const released = await t.client.put(`${cms}/f1`, { ...current, metadata: { ...current.metadata, finalizers: [] } });
  assert.equal(released.status, 200);
  assert.equal((await t.client.get(`${cms}/f1`)).status, 404);

  await t.client.post(DEPLOYS, deployment('fg'));
  const fg = await t.client.delete(`${DEPLOYS}/fg`, { propagationPolicy: 'Foreground' });
  assert.deepEqual(fg.json.metadata.finalizers, ['foregroundDeletion']);
  await t.client.post(DEPLOYS, deployment('or'));
  const or = await t.client.delete(`${DEPLOYS}/or?propagationPolicy=Orphan`);
  assert.deepEqual(or.json.metadata.finalizers, ['orphan']);
  assert.equal((await t.client.delete(`${DEPLOYS}/or?propagationPolicy=Sideways`)).status, 400);

  for (const n of ['dc1', 'dc2', 'dc3']) await t.client.post(cms, { metadata: { name: n, labels: { batch: n === 'dc3' ? 'keep' : 'go' } } });
  const dc = await t.client.delete(`${cms}?labelSelector=batch%3Dgo`);
  assert.equal(dc.status, 200);
  assert.equal(dc.json.items.length, 2);
  assert.equal((await t.client.get(`${cms}/dc3`)).status, 200);
});

test('services: cluster IPs are unique, requested ones checked, freed on delete', async () => {
  const svcs = '/api/v1/namespaces/default/services';
  const spec = { ports: [{ port: 80 }] };
  const a = (await t.client.post(svcs, { metadata: { name: 'sa' }, spec })).json;
  const b = (await t.client.post(svcs, { metadata: { name: 'sb' }, spec })).json;
  assert.notEqual(a.spec.clusterIP, b.spec.clusterIP);
  assert.match(a.spec.clusterIP, /^10\.(9[6-9]|1[01]\d)\./);
  const dup = await t.client.post(svcs, { metadata: { name: 'sc' }, spec: { ...spec, clusterIP: a.spec.clusterIP } });
  assert.equal(dup.status, 422);
  assert.equal((await t.client.post(svcs, { metadata: { name: 'sd' }, spec: { ...spec, clusterIP: '192.168.0.1' } })).status, 422);
  await t.client.delete(`${svcs}/sa`);
  const reuse = await t.client.post(svcs, { metadata: { name: 'se' }, spec: { ...spec, clusterIP: a.spec.clusterIP } });
  assert.equal(reuse.status, 201);
  const headless = await t.client.post(svcs, { metadata: { name: 'sh' }, spec: { ...spec, clusterIP: 'None' } });
  assert.equal(headless.json.spec.clusterIP, 'None');
});

test('YAML bodies and YAML responses', async () => {
  const r = await t.client.request('POST', '/api/v1/namespaces/default/configmaps', { raw: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y1\ndata:\n  k: v\n', contentType: 'application/yaml' });
  assert.equal(r.status, 201);
  const y = await t.client.get('/api/v1/namespaces/default/configmaps/y1', { accept: 'application/yaml' });
  assert.match(String(y.headers['content-type']), /yaml/);
  assert.match(y.text, /name: y1/);
  const proto = await t.client.get('/api/v1/namespaces/default/configmaps/y1', { accept: 'application/vnd.kubernetes.protobuf,application/json' });
  assert.equal(proto.json.metadata.name, 'y1');
});
