import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonEqual, validateObjectMeta, validateObjectMetaUpdate } from '../../../src/api/validation/metadata.js';
import { selectorMatches, validateLabelSelector } from '../../../src/api/validation/selector.js';

const rules = { namespaced: true, nameRule: 'dns1123Subdomain' as const };

test('name, generateName and namespace', () => {
  assert.deepEqual(validateObjectMeta({ name: 'web', namespace: 'default' }, rules), []);
  assert.deepEqual(validateObjectMeta({ namespace: 'default' }, rules).map((c) => [c.field, c.message]),
    [['metadata.name', 'Required value: name or generateName is required']]);
  assert.deepEqual(validateObjectMeta({ generateName: 'web-', namespace: 'default' }, rules), []);
  assert.deepEqual(validateObjectMeta({ generateName: 'Web-', namespace: 'default' }, rules).map((c) => c.field), ['metadata.generateName']);
  assert.deepEqual(validateObjectMeta({ name: 'web' }, rules).map((c) => [c.field, c.reason]), [['metadata.namespace', 'FieldValueRequired']]);
  assert.deepEqual(validateObjectMeta({ name: 'n1', namespace: 'x' }, { namespaced: false, nameRule: 'dns1123Subdomain' }).map((c) => c.field), ['metadata.namespace']);
});

test('labels and annotations name the field', () => {
  const causes = validateObjectMeta({ name: 'a', namespace: 'd', labels: { 'bad key': 'v', ok: 'bad value' }, annotations: { 'x/y/z': '1' } }, rules);
  assert.deepEqual(causes.map((c) => c.field), ['metadata.labels', 'metadata.labels', 'metadata.annotations']);
  assert.match(causes[0]!.message, /^Invalid value: "bad key": name part must consist of/);
  assert.match(causes[1]!.message, /^Invalid value: "bad value": a valid label must be an empty string/);
  const big = validateObjectMeta({ name: 'a', namespace: 'd', annotations: { a: 'x'.repeat(262145) } }, rules);
  assert.deepEqual(big.map((c) => c.reason), ['FieldValueTooLong']);
});

test('owner references allow one controller', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u', controller: true };
  const causes = validateObjectMeta({ name: 'a', namespace: 'd', ownerReferences: [ref, { ...ref, name: 'r2' }] }, rules);
  assert.deepEqual(causes.map((c) => c.field), ['metadata.ownerReferences']);
});

test('name, namespace and uid are immutable', () => {
  const old = { name: 'a', namespace: 'd', uid: 'u1' };
  assert.deepEqual(validateObjectMetaUpdate({ ...old }, old), []);
  const causes = validateObjectMetaUpdate({ name: 'b', namespace: 'e', uid: 'u2' }, old);
  assert.deepEqual(causes.map((c) => c.field), ['metadata.name', 'metadata.namespace', 'metadata.uid']);
  assert.match(causes[0]!.message, /field is immutable$/);
});

test('label selectors validate and match', () => {
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] };
  assert.deepEqual(validateLabelSelector(sel, 'spec.selector'), []);
  assert.equal(selectorMatches(sel, { app: 'web', tier: 'a' }), true);
  assert.equal(selectorMatches(sel, { app: 'web', tier: 'c' }), false);
  assert.equal(selectorMatches(sel, { app: 'web', tier: 'a', x: '1' }), false);
  assert.equal(selectorMatches(undefined, { app: 'web' }), false);
  assert.equal(selectorMatches({}, { app: 'web' }), true);
  const bad = validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near' }] }, 'spec.selector');
  assert.deepEqual(bad.map((c) => c.field), ['spec.selector.matchExpressions[0].values', 'spec.selector.matchExpressions[1].values', 'spec.selector.matchExpressions[2].operator']);
});

test('jsonEqual ignores key order and undefined members', () => {
  assert.equal(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), true);
  assert.equal(jsonEqual({ a: 1, b: undefined }, { a: 1 }), true);
  assert.equal(jsonEqual({ a: [1, 2] }, { a: [2, 1] }), false);
});
