import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from '../../../src/apiserver/patch/json-patch.js';
import { applyMergePatch } from '../../../src/apiserver/patch/merge-patch.js';
import { PatchError } from '../../../src/apiserver/patch/patch-error.js';
import { ApiError } from '../../../src/api/errors.js';
import { deepFreeze } from './schema-fixture.js';

const deployment = () => deepFreeze({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } },
});

test('JSON patch applies RFC 6902 operations', () => {
  const cases: Array<[string, unknown[], (r: Record<string, any>) => unknown, unknown]> = [
    ['replace', [{ op: 'replace', path: '/spec/replicas', value: 3 }], (r) => r.spec.replicas, 3],
    ['add to map', [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }], (r) => r.metadata.labels, { a: 'b' }],
    ['add to list end', [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side' } }], (r) => r.spec.template.spec.containers.length, 2],
    ['remove', [{ op: 'remove', path: '/metadata/annotations' }], (r) => r.metadata.annotations, undefined],
    ['escaped key', [{ op: 'replace', path: '/metadata/annotations/deployment.kubernetes.io~1revision', value: '3' }], (r) => r.metadata.annotations['deployment.kubernetes.io/revision'], '3'],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 5 }], (r) => r.spec.replicas, 5],
    ['copy', [{ op: 'copy', from: '/metadata/name', path: '/metadata/generateName' }], (r) => r.metadata.generateName, 'web'],
    ['move', [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }], (r) => [r.spec.count, r.spec.replicas], [1, undefined]],
    ['empty patch', [], (r) => r.spec.replicas, 1],
    // kubectl rollout undo's patch shape
    ['rollout undo', [
      { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'web', image: 'nginx:0' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '1' } },
    ], (r) => r.spec.template.spec.containers[0].image, 'nginx:0'],
  ];
  for (const [name, patch, pick, want] of cases) {
    assert.deepEqual(pick(applyJsonPatch(deployment(), deepFreeze(patch))), want, name);
  }
});

test('JSON patch values are copied, not shared with the patch', () => {
  const value = { a: 1 };
  const patch = [{ op: 'add', path: '/spec/extra', value }, { op: 'replace', path: '/spec/extra/a', value: 2 }];
  const got = applyJsonPatch(deployment(), deepFreeze(patch)) as Record<string, any>;
  assert.equal(got.spec.extra.a, 2);
  assert.equal(value.a, 1);
});

test('JSON patch errors: 400 for a malformed document, 422 when an operation does not apply', () => {
  const cases: Array<[unknown, number, RegExp]> = [
    [{ op: 'replace' }, 400, /JSON array of operations/],
    ['x', 400, /JSON array of operations/],
    [[1], 400, /operation 0 is not an object/],
    [[{ op: 'test', path: '/spec/replicas', value: 2 }], 422, /operation 0 \(test "\/spec\/replicas"\) failed: test operation failed/],
    [[{ op: 'replace', path: '/spec/missing', value: 2 }], 422, /operation 0 .*path does not exist/],
    [[{ op: 'remove', path: '/nope' }], 422, /path does not exist/],
    [[{ op: 'add', path: '/a/b/c', value: 1 }], 422, /cannot add at this path/],
    [[{ op: 'explode', path: '/a' }], 422, /op must be one of/],
    [[{ op: 'add', path: 'no-slash', value: 1 }], 422, /path must be a string starting with/],
    [[{ op: 'add', path: '/spec/replicas' }], 422, /"value" is required/],
    [[{ op: 'replace', path: '', value: 5 }], 422, /must leave a JSON object/],
  ];
  for (const [patch, code, message] of cases) {
    assert.throws(() => applyJsonPatch(deployment(), patch), (e: unknown) => {
      assert.ok(e instanceof PatchError, JSON.stringify(patch));
      assert.equal(e.code, code, JSON.stringify(patch));
      assert.equal(e.reason, code === 400 ? 'BadRequest' : 'Invalid');
      assert.match(e.message, message);
      return true;
    });
  }
  const tooMany = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Deployment' }));
  assert.throws(() => applyJsonPatch(deployment(), tooMany), (e: unknown) => e instanceof ApiError && e.code === 413);
});

test('merge patch follows RFC 7386 (including its appendix examples)', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    // kubectl scale's patch
    [{ spec: { replicas: 1, selector: 'x' } }, { spec: { replicas: 3 } }, { spec: { replicas: 3, selector: 'x' } }],
  ];
  for (const [original, patch, want] of cases) {
    assert.deepEqual(applyMergePatch(deepFreeze(original) as object, deepFreeze(patch)), want, JSON.stringify(patch));
  }
});

test('merge patch that is not an object is 400', () => {
  for (const patch of [[1], 'x', null, 3]) {
    assert.throws(() => applyMergePatch({}, patch), (e: unknown) => e instanceof PatchError && e.code === 400);
  }
});

test('media types map to patch types', async () => {
  const { patchTypeOf, applyPatchOfType } = await import('../../../src/apiserver/patch/patch-types.js');
  assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assert.equal(patchTypeOf('application/json'), undefined);
  assert.equal(patchTypeOf(undefined), undefined);
  assert.deepEqual(applyPatchOfType('merge', { a: 1 }, { b: 2 }), { a: 1, b: 2 });
  assert.deepEqual(applyPatchOfType('json', { a: 1 }, [{ op: 'remove', path: '/a' }]), {});
  assert.deepEqual(applyPatchOfType('strategic', { a: [1] }, { a: [2] }), { a: [2] });
});
