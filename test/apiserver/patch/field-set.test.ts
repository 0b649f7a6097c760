import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, keyElement, pathToString, valueElement } from '../../../src/apiserver/patch/field-set.js';
import { mergeListOrder, TypedWalker } from '../../../src/apiserver/patch/typed-value.js';
import { configMapSchema, deploymentSchema, resolve } from './schema-fixture.js';

test('FieldsV1 encodes members, "." for members with children, and decodes back', () => {
  const set = new FieldSet([
    ['f:spec', 'f:replicas'],
    ['f:metadata', 'f:labels', 'f:app'],
    ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}'],
    ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
    ['f:metadata', 'f:finalizers', 'v:"a"'],
  ]);
  const encoded = set.toFieldsV1();
  assert.deepEqual(encoded, {
    'f:metadata': { 'f:finalizers': { 'v:"a"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
    },
  });
  assert.deepEqual(Object.keys(encoded), ['f:metadata', 'f:spec'], 'sorted keys');
  assert.ok(FieldSet.fromFieldsV1(encoded).equals(set));
  assert.ok(FieldSet.fromFieldsV1({}).isEmpty());
  assert.ok(FieldSet.fromFieldsV1(undefined).isEmpty());
});

test('paths print as upstream prints them in conflicts', () => {
  const cases: Array<[string[], string]> = [
    [['f:spec', 'f:replicas'], '.spec.replicas'],
    [['f:spec', 'f:template', 'f:spec', 'f:containers', keyElement({ name: 'web' }), 'f:image'], '.spec.template.spec.containers[name="web"].image'],
    [['f:spec', 'f:ports', keyElement({ protocol: 'TCP', port: 80 })], '.spec.ports[port=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', valueElement('x')], '.metadata.finalizers[="x"]'],
    [['f:metadata', 'f:labels', 'f:app.kubernetes.io/name'], '.metadata.labels.app.kubernetes.io/name'],
  ];
  for (const [path, want] of cases) assert.equal(pathToString(path), want);
});

test('set algebra', () => {
  const a = new FieldSet([['f:a'], ['f:b', 'f:c']]);
  const b = new FieldSet([['f:b', 'f:c'], ['f:d']]);
  assert.deepEqual(a.union(b).sorted(), [['f:a'], ['f:b', 'f:c'], ['f:d']]);
  assert.deepEqual(a.intersection(b).paths(), [['f:b', 'f:c']]);
  assert.deepEqual(a.difference(b).paths(), [['f:a']]);
  assert.ok(a.hasPrefix(['f:b']));
  assert.ok(!a.hasPrefix(['f:d']));
});

test('field set of an object follows structured-merge-diff rules', () => {
  const walker = new TypedWalker(resolve);
  const deployment = {
    metadata: { labels: { app: 'web' }, finalizers: ['x'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'web', image: 'nginx', args: ['-v'], resources: {} }] } },
    },
  };
  const set = walker.fieldSet(deployment, walker.rootMeta(deploymentSchema));
  assert.deepEqual(set.toFieldsV1(), {
    'f:metadata': { 'f:finalizers': { 'v:"x"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } } } },
    },
  });
  const cm = walker.fieldSet({ data: { a: '1', b: '2' } }, walker.rootMeta(configMapSchema));
  assert.deepEqual(cm.toFieldsV1(), { 'f:data': { 'f:a': {}, 'f:b': {} } });
});

test('keyed list merge order mirrors structured-merge-diff', () => {
  const order = (l: string[], r: string[]) => mergeListOrder(l, r).map((x) => x.key);
  assert.deepEqual(order(['a', 'b'], ['b', 'a']), ['b', 'a']);
  assert.deepEqual(order(['a', 'b', 'c'], ['c', 'd']), ['a', 'b', 'c', 'd']);
  assert.deepEqual(order(['a', 'b'], ['c']), ['a', 'b', 'c']);
  assert.deepEqual(order([], ['x', 'y']), ['x', 'y']);
  assert.deepEqual(order(['x', 'y'], []), ['x', 'y']);
  assert.deepEqual(order(['a', 'b', 'c'], ['c', 'a']), ['b', 'c', 'a']);
  assert.deepEqual(mergeListOrder(['a', 'b'], ['b', 'c']).map((x) => x.from), ['lhs', 'both', 'rhs']);
});
