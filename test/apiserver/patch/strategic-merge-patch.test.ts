import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMerge } from '../../../src/apiserver/patch/strategic-merge-patch.js';
import { PatchError } from '../../../src/apiserver/patch/patch-error.js';
import { deepFreeze, deploymentSchema, resolve } from './schema-fixture.js';

type Obj = Record<string, unknown>;

function deployment(podSpec: Obj, spec: Obj = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, ...spec, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } } };
}
const podSpecOf = (d: Obj) => ((d.spec as Obj).template as Obj).spec as Obj;
const smp = (original: Obj, patch: unknown) => strategicMerge(deepFreeze(original), deepFreeze(patch), deploymentSchema, resolve);
const podPatch = (podSpec: Obj) => ({ spec: { template: { spec: podSpec } } });

interface Case { name: string; live: Obj; patch: Obj; want: Obj }

test('strategic merge patch on pod templates (table)', () => {
  const nginx = { name: 'nginx', image: 'nginx:1.14', ports: [{ containerPort: 80 }] };
  const cases: Case[] = [
    {
      name: 'containers merge by name, other fields kept',
      live: { containers: [nginx] },
      patch: { containers: [{ name: 'nginx', image: 'nginx:1.16' }] },
      want: { containers: [{ name: 'nginx', image: 'nginx:1.16', ports: [{ containerPort: 80 }] }] },
    },
    {
      // kubernetes.io "Update API Objects in Place Using kubectl patch": the patched-in container comes first
      name: 'a new container is merged in, ahead of the live one (upstream order)',
      live: { containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] },
      patch: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] },
      want: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }, { name: 'patch-demo-ctr', image: 'nginx' }] },
    },
    {
      name: 'tolerations have no patch strategy: replaced whole',
      live: { tolerations: [{ effect: 'NoSchedule', key: 'dedicated', operator: 'Equal' }] },
      patch: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', operator: 'Equal' }] },
      want: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', operator: 'Equal' }] },
    },
    {
      name: 'delete an env var with $patch: delete',
      live: { containers: [{ name: 'app', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] },
      patch: { containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] },
      want: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] },
    },
    {
      name: 'ports merge by numeric containerPort',
      live: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] },
      patch: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'web' }] }] },
      want: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 443 }] }] },
    },
    {
      name: 'null deletes a field inside a merged element',
      live: { containers: [{ name: 'app', image: 'x', args: ['a'] }] },
      patch: { containers: [{ name: 'app', args: null }] },
      want: { containers: [{ name: 'app', image: 'x' }] },
    },
    {
      name: 'args (atomic) are replaced, not merged',
      live: { containers: [{ name: 'app', args: ['a', 'b'] }] },
      patch: { containers: [{ name: 'app', args: ['c'] }] },
      want: { containers: [{ name: 'app', args: ['c'] }] },
    },
    {
      name: '$patch: replace as a list element replaces the list',
      live: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] },
      patch: { containers: [{ name: 'c', image: 'c' }, { $patch: 'replace' }] },
      want: { containers: [{ name: 'c', image: 'c' }] },
    },
    {
      name: '$patch: replace on a map replaces the map',
      live: { nodeSelector: { a: '1', b: '2' } },
      patch: { nodeSelector: { $patch: 'replace', c: '3' } },
      want: { nodeSelector: { c: '3' } },
    },
    {
      name: '$patch: delete on a map empties it',
      live: { nodeSelector: { a: '1' }, restartPolicy: 'Always' },
      patch: { nodeSelector: { $patch: 'delete' } },
      want: { nodeSelector: {}, restartPolicy: 'Always' },
    },
    {
      name: 'kubectl $setElementOrder reorders and merges',
      live: { containers: [{ name: 'a', image: 'a1' }, { name: 'b', image: 'b1' }] },
      patch: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'a2' }] },
      want: { containers: [{ name: 'b', image: 'b1' }, { name: 'a', image: 'a2' }] },
    },
    {
      name: 'kubectl apply adding a container at the end',
      live: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] },
      patch: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: 'c' }] },
      want: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }, { name: 'c', image: 'c' }] },
    },
    {
      name: 'kubectl apply removing a container',
      live: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] },
      patch: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b', $patch: 'delete' }] },
      want: { containers: [{ name: 'a', image: 'a' }] },
    },
    {
      name: '$setElementOrder for a list missing on both sides does nothing',
      live: { restartPolicy: 'Always' },
      patch: { '$setElementOrder/volumes': [{ name: 'x' }] },
      want: { restartPolicy: 'Always' },
    },
    {
      name: '$setElementOrder for a list only in the patch',
      live: {},
      patch: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a' }, { name: 'b' }] },
      want: { containers: [{ name: 'b' }, { name: 'a' }] },
    },
    {
      name: 'malformed $setElementOrder never fails the patch',
      live: { containers: [{ name: 'a' }] },
      patch: { '$setElementOrder/containers': 'oops', containers: [{ name: 'a', image: 'x' }] },
      want: { containers: [{ name: 'a', image: 'x' }] },
    },
    {
      name: 'volumes: $retainKeys inside a list element drops the old source',
      live: { volumes: [{ name: 'data', hostPath: { path: '/x' } }] },
      patch: { volumes: [{ name: 'data', $retainKeys: ['emptyDir', 'name'], emptyDir: {} }] },
      want: { volumes: [{ name: 'data', emptyDir: {} }] },
    },
    {
      name: 'a list the live object lacks is taken, its directives applied',
      live: {},
      patch: { containers: [{ name: 'a', env: [{ name: 'X', $patch: 'delete' }, { name: 'Y', value: null }] }] },
      want: { containers: [{ name: 'a', env: [{ name: 'Y' }] }] },
    },
  ];
  for (const c of cases) {
    const got = smp(deployment(c.live), podPatch(c.patch));
    assert.deepEqual(podSpecOf(got), c.want, c.name);
  }
});

test('$retainKeys switches a Deployment from RollingUpdate to Recreate', () => {
  const live = deployment({}, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
  const got = smp(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual((got.spec as Obj).strategy, { type: 'Recreate' });
  // Without the directive the old rollingUpdate stays (what the directive exists to prevent).
  const plain = smp(live, { spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual((plain.spec as Obj).strategy, { type: 'Recreate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
});

test('$retainKeys that contradicts the patch is 422', () => {
  const live = deployment({}, { strategy: { type: 'RollingUpdate' } });
  assert.throws(() => smp(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }),
    (e: unknown) => e instanceof PatchError && e.code === 422 && /retainKeys/.test(e.message));
});

test('finalizers merge as a set and $deleteFromPrimitiveList removes', () => {
  const obj = (finalizers: string[]) => ({ metadata: { name: 'x', finalizers } });
  const cases: Array<[string[], Obj, string[]]> = [
    [['a', 'b'], { finalizers: ['b', 'c'] }, ['a', 'b', 'c']],
    [['a', 'b'], { finalizers: ['c'] }, ['c', 'a', 'b']],
    [['a', 'b'], { finalizers: ['a'] }, ['a', 'b']],
    [['a', 'x', 'b'], { '$deleteFromPrimitiveList/finalizers': ['x'] }, ['a', 'b']],
    [['a', 'x', 'b'], { '$setElementOrder/finalizers': ['b', 'a'], '$deleteFromPrimitiveList/finalizers': ['x'] }, ['b', 'a']],
    [['a'], { '$deleteFromPrimitiveList/finalizers': ['zzz'] }, ['a']],
  ];
  for (const [live, metaPatch, want] of cases) {
    const got = smp(obj(live), { metadata: metaPatch });
    assert.deepEqual((got.metadata as Obj).finalizers, want, JSON.stringify(metaPatch));
  }
  const none = smp({ metadata: { name: 'x' } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
  assert.deepEqual(none.metadata, { name: 'x' });
});

test('maps merge, null deletes, unmatched nulls are dropped', () => {
  const live = { metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, annotations: { a: '1' } }, spec: { replicas: 1 } };
  const got = smp(live, { metadata: { labels: { tier: null, track: 'stable' }, annotations: null }, spec: { replicas: 3, paused: null, extra: { a: null, b: 1 } } });
  assert.deepEqual(got, { metadata: { name: 'web', labels: { app: 'web', track: 'stable' } }, spec: { replicas: 3, extra: { b: 1 } } });
});

test('ownerReferences merge by uid', () => {
  const live = { metadata: { ownerReferences: [{ uid: '1', name: 'a' }, { uid: '2', name: 'b' }] } };
  const got = smp(live, { metadata: { ownerReferences: [{ uid: '2', controller: true }] } });
  assert.deepEqual((got.metadata as Obj).ownerReferences, [{ uid: '1', name: 'a' }, { uid: '2', name: 'b', controller: true }]);
});

test('without schema the patch acts as a merge patch (lists replaced), directives still honoured', () => {
  const live = { spec: { things: [{ name: 'a' }], map: { a: 1, b: 2 } }, odd: 'scalar' };
  const got = strategicMerge(deepFreeze(live), { spec: { things: [{ name: 'b' }], map: { a: null, c: 3 } }, odd: { now: 'a map' }, unknownList: [{ $patch: 'replace' }, 1] }, undefined);
  assert.deepEqual(got, { spec: { things: [{ name: 'b' }], map: { b: 2, c: 3 } }, odd: { now: 'a map' }, unknownList: [1] });
  const replaced = strategicMerge(live, { spec: { $patch: 'replace', only: true } }, undefined);
  assert.deepEqual(replaced.spec, { only: true });
});

test('bad patches are typed errors', () => {
  const live = deployment({ containers: [{ name: 'a' }] });
  const cases: Array<[unknown, number, RegExp]> = [
    [[1, 2], 400, /must be a JSON object/],
    ['{}', 400, /must be a JSON object/],
    [podPatch({ containers: [{ image: 'no-name' }] }), 400, /does not contain declared merge key: name/],
    [podPatch({ containers: [{ $patch: 'delete' }] }), 400, /does not contain declared merge key: name/],
    [podPatch({ containers: [{ name: 'a', $patch: 'merge' }] }), 400, /merging lists cannot yet be specified/],
    [podPatch({ containers: [{ name: 'a', $patch: 'explode' }] }), 400, /unknown patch type/],
    [podPatch({ nodeSelector: { $patch: 'explode' } }), 400, /unknown patch type/],
    [podPatch({ '$deleteFromPrimitiveList/x': 'no' }), 400, /invalid patch format of primitive list/],
    [{ spec: { strategy: { $retainKeys: 'type' } } }, 400, /invalid patch format of retainKeys/],
  ];
  for (const [patch, code, message] of cases) {
    assert.throws(() => smp(live, patch), (e: unknown) => {
      assert.ok(e instanceof PatchError, JSON.stringify(patch));
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    });
  }
});

test('never mutates its inputs (frozen inputs would throw)', () => {
  const live = deepFreeze(deployment({ containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] }));
  const patch = deepFreeze(podPatch({ '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', env: [{ name: 'X', $patch: 'delete' }] }] }));
  const before = JSON.stringify([live, patch]);
  const got = strategicMerge(live, patch, deploymentSchema, resolve);
  assert.equal(JSON.stringify([live, patch]), before);
  assert.deepEqual(podSpecOf(got), { containers: [{ name: 'a', env: [] }] });
});
