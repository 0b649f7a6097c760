import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apply, ApplyConflictError, LAST_APPLIED_ANNOTATION, recordUpdate, type ApplyOptions,
} from '../../../src/apiserver/patch/server-side-apply.js';
import { PatchError } from '../../../src/apiserver/patch/patch-error.js';
import { configMapSchema, deepFreeze, deploymentSchema, resolve, serviceSchema } from './schema-fixture.js';

type Obj = Record<string, any>;
const T1 = new Date('2026-01-01T00:00:00.000Z');
const T2 = new Date('2026-01-02T00:00:00.000Z');
const opts = (extra: Partial<ApplyOptions> = {}): ApplyOptions => ({ force: false, schema: deploymentSchema, resolve, now: T1, resetFields: [['status']], ...extra });

function deploy(spec: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: Obj[] } = {}): Obj {
  const d: Obj = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: spec.labels ?? { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: spec.containers ?? [{ name: 'web', image: spec.image ?? 'nginx:1' }] },
      },
    },
  };
  if (spec.replicas !== undefined) d.spec.replicas = spec.replicas;
  return d;
}

/** What the API server would store: the object plus server-set metadata. */
function stored(obj: Obj): Obj {
  return { ...obj, metadata: { ...obj.metadata, uid: 'u1', resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z' } };
}

const applyObj = (...args: Parameters<typeof apply>): Obj => apply(...args).object as Obj;
const updateObj = (...args: Parameters<typeof recordUpdate>): Obj => recordUpdate(...args).object as Obj;
const managersOf = (obj: Obj) => (obj.metadata.managedFields as Obj[]).map((e) => `${e.manager}/${e.operation}`);
const entryOf = (obj: Obj, manager: string) => (obj.metadata.managedFields as Obj[]).find((e) => e.manager === manager);

test('apply creates: the object is the configuration, the applier owns its fields', () => {
  const { object: created, managedFields } = apply(undefined, deepFreeze(deploy({ replicas: 2 })), 'kubectl', opts());
  const object = created as Obj;
  assert.equal(object.spec.replicas, 2);
  assert.deepEqual(managedFields, [{
    manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    },
  }]);
  assert.deepEqual(object.metadata.managedFields, managedFields);
});

test('re-applying the same configuration changes nothing, not even the time', () => {
  const first = applyObj(undefined, deploy({ replicas: 2 }), 'kubectl', opts());
  const live = deepFreeze(stored(first));
  const again = applyObj(live, deploy({ replicas: 2 }), 'kubectl', opts({ now: T2 }));
  assert.deepEqual(again, live);
});

test('re-applying with changes updates fields and the time', () => {
  const live = stored(applyObj(undefined, deploy({ replicas: 2 }), 'kubectl', opts()));
  const next = applyObj(live, deploy({ replicas: 3, image: 'nginx:2' }), 'kubectl', opts({ now: T2 }));
  assert.equal(next.spec.replicas, 3);
  assert.equal(next.spec.template.spec.containers[0].image, 'nginx:2');
  assert.equal(next.metadata.uid, 'u1', 'server metadata kept');
  assert.equal(entryOf(next, 'kubectl')!.time, '2026-01-02T00:00:00Z');
});

test('fields the applier drops are removed: label, replicas, container, env var', () => {
  const live = stored(apply(undefined, deploy({
    replicas: 2, labels: { app: 'web', tier: 'front' },
    containers: [{ name: 'web', image: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'side', image: 'b' }],
  }), 'kubectl', opts()).object);
  const next = applyObj(live, deploy({ containers: [{ name: 'web', image: 'a', env: [{ name: 'B', value: '2' }] }] }), 'kubectl', opts());
  assert.deepEqual(next.metadata.labels, { app: 'web' });
  assert.equal(next.spec.replicas, undefined);
  assert.deepEqual(next.spec.template.spec.containers, [{ name: 'web', image: 'a', env: [{ name: 'B', value: '2' }] }]);
  assert.equal(next.metadata.name, 'web');
});

test('a field another manager changed conflicts: 409 with upstream message and causes', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 1 })), 'kubectl-client-side-apply', 'Update', 'apps/v1', opts());
  assert.deepEqual(managersOf(created), ['kubectl-client-side-apply/Update']);
  const err = (() => {
    try {
      apply(deepFreeze(created), deploy({ replicas: 3 }), 'my-tool', opts());
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ApplyConflictError);
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  assert.deepEqual(err.toStatus().details, {
    causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
  });
});

test('several conflicts are listed per manager', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 1 })), 'editor', 'Update', 'apps/v1', opts());
  assert.throws(() => apply(created, deploy({ replicas: 3, image: 'nginx:9' }), 'my-tool', opts()), (e: unknown) => {
    assert.ok(e instanceof ApplyConflictError);
    assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "editor" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image');
    assert.equal(e.conflicts.length, 2);
    return true;
  });
});

test('force takes ownership; the loser keeps the rest', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 1 })), 'editor', 'Update', 'apps/v1', opts());
  const next = applyObj(created, deploy({ replicas: 3 }), 'my-tool', opts({ force: true }));
  assert.equal(next.spec.replicas, 3);
  assert.deepEqual(managersOf(next), ['my-tool/Apply', 'editor/Update']);
  assert.equal(entryOf(next, 'editor')!.fieldsV1['f:spec']['f:replicas'], undefined);
  assert.deepEqual(entryOf(next, 'my-tool')!.fieldsV1['f:spec']['f:replicas'], {});
});

test('applying the value already there is no conflict: ownership is shared and survives a drop', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 2 })), 'editor', 'Update', 'apps/v1', opts());
  const shared = applyObj(created, deploy({ replicas: 2 }), 'my-tool', opts());
  assert.deepEqual(entryOf(shared, 'editor')!.fieldsV1['f:spec']['f:replicas'], {});
  assert.deepEqual(entryOf(shared, 'my-tool')!.fieldsV1['f:spec']['f:replicas'], {});
  const dropped = applyObj(shared, deploy({}), 'my-tool', opts());
  assert.equal(dropped.spec.replicas, 2, 'editor still owns replicas');
});

test('an autoscaler taking replicas keeps them when the manifest drops replicas', () => {
  const live = stored(applyObj(undefined, deploy({ replicas: 2 }), 'kubectl', opts()));
  const scaled = updateObj(live, { ...live, spec: { ...live.spec, replicas: 5 } }, 'hpa', 'Update', 'apps/v1', opts({ now: T2 }));
  assert.equal(entryOf(scaled, 'kubectl')!.fieldsV1['f:spec']['f:replicas'], undefined, 'the writer took replicas');
  assert.equal(entryOf(scaled, 'hpa')!.time, '2026-01-02T00:00:00Z');
  const reapplied = applyObj(scaled, deploy({}), 'kubectl', opts());
  assert.equal(reapplied.spec.replicas, 5);
  // and applying replicas again now conflicts with the autoscaler
  assert.throws(() => apply(scaled, deploy({ replicas: 2 }), 'kubectl', opts()), ApplyConflictError);
});

test('kubectl apply --server-side after client-side apply: unchanged last-applied fields are taken over', () => {
  const manifest = deploy({ replicas: 1 });
  const csa = { ...manifest, metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(manifest) } } };
  const created = updateObj(undefined, stored(csa), 'kubectl-client-side-apply', 'Update', 'apps/v1', opts());
  const next = applyObj(created, deploy({ replicas: 4 }), 'kubectl', opts());
  assert.equal(next.spec.replicas, 4);
  assert.deepEqual(JSON.parse(next.metadata.annotations[LAST_APPLIED_ANNOTATION]).spec.replicas, 4, 'annotation kept in step');
  assert.deepEqual(entryOf(next, 'kubectl')!.fieldsV1['f:spec']['f:replicas'], {});
  // Another manager name does not get the upgrade.
  assert.throws(() => apply(created, deploy({ replicas: 4 }), 'other', opts()), ApplyConflictError);
  // A field someone changed since the client-side apply still conflicts.
  const edited = updateObj(created, { ...created, spec: { ...created.spec, replicas: 7 } }, 'editor', 'Update', 'apps/v1', opts());
  assert.throws(() => apply(edited, deploy({ replicas: 4 }), 'kubectl', opts()), /conflict with "editor" using apps\/v1: \.spec\.replicas/);
});

test('objects without managed fields belong to before-first-apply', () => {
  const live = stored(deploy({ replicas: 1 }));
  assert.throws(() => apply(live, deploy({ replicas: 2 }), 'my-tool', opts()), /conflict with "before-first-apply" using apps\/v1: \.spec\.replicas/);
  const same = applyObj(live, deploy({ replicas: 1 }), 'my-tool', opts());
  assert.deepEqual(managersOf(same), ['my-tool/Apply', 'before-first-apply/Update']);
});

test('keyed lists merge: a second applier adds a container, the first keeps its own', () => {
  const live = stored(applyObj(undefined, deploy({}), 'team-a', opts()));
  const withSidecar = applyObj(live, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy' }] } } },
  }, 'team-b', opts());
  assert.deepEqual(withSidecar.spec.template.spec.containers.map((c: Obj) => c.name), ['web', 'sidecar']);
  // team-a re-applies its manifest (without the sidecar): the sidecar is team-b's and stays
  const again = applyObj(withSidecar, deploy({ image: 'nginx:2' }), 'team-a', opts());
  assert.deepEqual(again.spec.template.spec.containers, [{ name: 'web', image: 'nginx:2' }, { name: 'sidecar', image: 'envoy' }]);
});

test('Service ports merge by port; ConfigMap keys are removed when dropped', () => {
  const svc = (ports: Obj[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports } });
  const live = stored(applyObj(undefined, svc([{ port: 80, targetPort: 8080 }, { port: 443 }]), 'kubectl', opts({ schema: serviceSchema })));
  const withDefaults = { ...live, spec: { ...live.spec, clusterIP: '10.0.0.7', ports: live.spec.ports.map((p: Obj) => ({ protocol: 'TCP', ...p })) } };
  const next = applyObj(withDefaults, svc([{ port: 80, targetPort: 9090 }]), 'kubectl', opts({ schema: serviceSchema }));
  assert.deepEqual(next.spec.ports, [{ protocol: 'TCP', port: 80, targetPort: 9090 }]);
  assert.equal(next.spec.clusterIP, '10.0.0.7', 'server-set fields stay');

  const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
  const cmLive = stored(applyObj(undefined, cm({ a: '1', b: '2' }), 'kubectl', opts({ schema: configMapSchema })));
  const cmNext = applyObj(cmLive, cm({ a: '1', c: '3' }), 'kubectl', opts({ schema: configMapSchema }));
  assert.deepEqual(cmNext.data, { a: '1', c: '3' });
});

test('apply rejects bad configurations', () => {
  assert.throws(() => apply(undefined, [1], 'kubectl', opts()), (e: unknown) => e instanceof PatchError && e.code === 400);
  assert.throws(() => apply(undefined, { ...deploy(), metadata: { name: 'x', managedFields: [] } }, 'kubectl', opts()),
    (e: unknown) => e instanceof PatchError && /managedFields must be nil/.test(e.message));
  assert.throws(() => apply(undefined, deploy(), '', opts()), (e: unknown) => e instanceof PatchError && /fieldManager/.test(e.message));
});

test('recordUpdate: create owns everything written; an update takes changed fields and drops removed ones', () => {
  const created = updateObj(undefined, deepFreeze(stored(deploy({ replicas: 1 }))), 'creator', 'Update', 'apps/v1', opts());
  const creator = entryOf(created, 'creator')!;
  assert.equal(creator.operation, 'Update');
  assert.deepEqual(creator.fieldsV1['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } } as Obj, 'a new map is itself owned');
  assert.equal(creator.fieldsV1['f:metadata']['f:uid'], undefined, 'server metadata is never tracked');

  const changed = deepFreeze({ ...created, metadata: { ...created.metadata, labels: { app: 'web', tier: 'x' } }, spec: { ...created.spec, replicas: undefined } });
  const updated = updateObj(created, changed, 'labeler', 'Update', 'v1', opts({ now: T2 }));
  assert.deepEqual(entryOf(updated, 'labeler')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
  assert.equal(entryOf(updated, 'creator')!.fieldsV1['f:spec']['f:replicas'], undefined, 'removed fields leave their owner');

  // A write that changes nothing records nothing new.
  const noop = updateObj(updated, updated, 'bystander', 'Update', 'apps/v1', opts());
  assert.deepEqual(noop.metadata.managedFields, updated.metadata.managedFields);
});

test('recordUpdate: status writes through the subresource are tracked separately', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 1 })), 'creator', 'Update', 'apps/v1', opts());
  const withStatus = { ...created, status: { replicas: 1 } };
  const updated = updateObj(created, withStatus, 'controller', 'Update', 'apps/v1', opts({ subresource: 'status', resetFields: [['spec']] }));
  const entry = entryOf(updated, 'controller')!;
  assert.equal(entry.subresource, 'status');
  assert.deepEqual(entry.fieldsV1, { 'f:status': { 'f:replicas': {} } });
});

test('managed fields sent by the client replace the stored ones; [{}] clears them', () => {
  const created = updateObj(undefined, stored(deploy({ replicas: 1 })), 'creator', 'Update', 'apps/v1', opts());
  const cleared = updateObj(created, { ...created, metadata: { ...created.metadata, managedFields: [{}] } }, 'x', 'Update', 'apps/v1', opts());
  assert.equal(cleared.metadata.managedFields, undefined);
});

test('apply through the main resource cannot set reset fields (status)', () => {
  const live = stored(applyObj(undefined, deploy({ replicas: 1 }), 'kubectl', opts()));
  const withStatus = { ...live, status: { replicas: 1 } };
  const next = applyObj(withStatus, { ...deploy({ replicas: 1 }), status: { replicas: 99 } }, 'kubectl', opts());
  assert.deepEqual(next.status, { replicas: 1 });
  assert.equal(entryOf(next, 'kubectl')!.fieldsV1['f:status'], undefined);
  const created = applyObj(undefined, { ...deploy(), status: { replicas: 99 } }, 'kubectl', opts());
  assert.equal(created.status, undefined);
});

test('with the generated OpenAPI definitions: a Deployment manifest re-applied with changes', async () => {
  const schemaModule = await import('../../../src/api/schema/index.js');
  const real = { schema: schemaModule.definition('io.k8s.api.apps.v1.Deployment'), resolve: schemaModule.resolve, resetFields: [['status']] };
  const manifest = (image: string, env: Obj[], extraContainer = false) => deploy({
    replicas: 2,
    containers: [
      { name: 'web', image, env, ports: [{ containerPort: 80 }], args: ['--a'] },
      ...(extraContainer ? [{ name: 'side', image: 'envoy' }] : []),
    ],
  });
  const created = applyObj(undefined, manifest('nginx:1', [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], true), 'kubectl', { force: false, ...real, now: T1 });
  // What the server adds on create: defaults nobody applied.
  const live = stored(created);
  live.spec.template.spec.containers[0].ports[0].protocol = 'TCP';
  live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
  live.spec.revisionHistoryLimit = 10;

  const next = applyObj(live, manifest('nginx:2', [{ name: 'B', value: '3' }]), 'kubectl', { force: false, ...real, now: T2 });
  assert.deepEqual(next.spec.template.spec.containers, [{
    name: 'web', image: 'nginx:2', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 80, protocol: 'TCP' }],
    args: ['--a'], imagePullPolicy: 'IfNotPresent',
  }]);
  assert.equal(next.spec.revisionHistoryLimit, 10, 'unowned defaults stay');
  const fields = entryOf(next, 'kubectl')!.fieldsV1;
  assert.deepEqual(fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}'], {
    '.': {}, 'f:args': {}, 'f:env': { 'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} } }, 'f:image': {}, 'f:name': {},
    'f:ports': { 'k:{"containerPort":80}': { '.': {}, 'f:containerPort': {} } },
  });
});

test('kubectl\'s client-side to server-side upgrade (managedFields rewritten by a JSON patch) lets later applies prune', async () => {
  const { applyJsonPatch } = await import('../../../src/apiserver/patch/json-patch.js');
  const manifest = deploy({ replicas: 1, containers: [{ name: 'web', image: 'a' }, { name: 'side', image: 'b' }] });
  const csa = { ...manifest, metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(manifest) } } };
  const created = updateObj(undefined, stored(csa), 'kubectl-client-side-apply', 'Update', 'apps/v1', opts());
  const csaEntry = entryOf(created, 'kubectl-client-side-apply')!;
  // kubectl (client-go csaupgrade) turns the client-side manager into the server-side applier with this JSON patch.
  const upgradePatch = [
    { op: 'replace', path: '/metadata/managedFields', value: [{ ...csaEntry, manager: 'kubectl', operation: 'Apply' }] },
    { op: 'replace', path: '/metadata/resourceVersion', value: '5' },
  ];
  const patched = applyJsonPatch(created, upgradePatch);
  const upgraded = updateObj(created, patched, 'kubectl', 'Update', 'apps/v1', opts());
  assert.deepEqual(managersOf(upgraded), ['kubectl/Apply']);
  const next = applyObj(upgraded, deploy({ replicas: 1, containers: [{ name: 'web', image: 'a' }] }), 'kubectl', opts());
  assert.deepEqual(next.spec.template.spec.containers, [{ name: 'web', image: 'a' }], 'the dropped container is pruned');
});

test('a Service with the same port on TCP and UDP keeps both (keys fall back to port+protocol)', () => {
  const dns = (extra: Obj[] = []) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns' },
    spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, ...extra] },
  });
  const o = opts({ schema: serviceSchema });
  const live = stored(applyObj(undefined, dns(), 'kubectl', o));
  assert.ok(entryOf(live, 'kubectl')!.fieldsV1['f:spec']['f:ports']['k:{"port":53,"protocol":"UDP"}']);
  const next = applyObj(live, dns([{ name: 'metrics', port: 9153, protocol: 'TCP' }]), 'kubectl', o);
  assert.deepEqual(next.spec.ports.map((p: Obj) => `${p.port}/${p.protocol}`), ['53/UDP', '53/TCP', '9153/TCP']);
  const back = applyObj(next, dns(), 'kubectl', o);
  assert.deepEqual(back.spec.ports.map((p: Obj) => `${p.port}/${p.protocol}`), ['53/UDP', '53/TCP']);
});

test('at most ten Update managers are kept; the oldest merge into ancient-changes', () => {
  let obj = updateObj(undefined, stored(deploy({ replicas: 1 })), 'creator', 'Update', 'apps/v1', opts({ now: new Date('2026-01-01T00:00:00Z') }));
  for (let i = 0; i < 12; i++) {
    const next = { ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [`l${i}`]: 'x' } } };
    obj = updateObj(obj, next, `writer-${String(i).padStart(2, '0')}`, 'Update', 'apps/v1', opts({ now: new Date(Date.UTC(2026, 0, 2, 0, i)) }));
  }
  const managers = managersOf(obj);
  assert.equal(managers.length, 10);
  assert.ok(managers.includes('ancient-changes/Update'));
  assert.ok(managers.includes('writer-11/Update'));
  assert.ok(!managers.includes('creator/Update'));
  const ancient = entryOf(obj, 'ancient-changes')!;
  assert.ok(ancient.fieldsV1['f:spec'], 'the creator\'s fields live on in the bucket');
});

test('a dropped container goes even if another manager changed one of its fields (kubectl set image)', () => {
  const live = stored(applyObj(undefined, deploy({ containers: [{ name: 'web', image: 'a' }, { name: 'side', image: 'b' }] }), 'kubectl', opts()));
  const changed = structuredClone(live);
  changed.spec.template.spec.containers[1].image = 'b2';
  const setImage = updateObj(live, changed, 'kubectl-set', 'Update', 'apps/v1', opts());
  assert.deepEqual(entryOf(setImage, 'kubectl-set')!.fieldsV1, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"side"}': { 'f:image': {} } } } } } });
  const next = applyObj(setImage, deploy({ containers: [{ name: 'web', image: 'a' }] }), 'kubectl', opts());
  assert.deepEqual(next.spec.template.spec.containers, [{ name: 'web', image: 'a' }]);
  // …but a field someone else owns stays when the applier drops only that field
  const labelled = updateObj(live, { ...live, metadata: { ...live.metadata, labels: { app: 'web', team: 'x' } } }, 'labeler', 'Update', 'v1', opts());
  const kept = applyObj(labelled, { ...deploy({ containers: [{ name: 'web', image: 'a' }, { name: 'side', image: 'b' }] }), metadata: { name: 'web', namespace: 'default' } }, 'kubectl', opts());
  assert.deepEqual(kept.metadata.labels, { team: 'x' });
});
