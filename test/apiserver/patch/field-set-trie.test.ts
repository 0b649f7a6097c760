/**
 * FieldSet is a trie: its operations must prune subtrees left without members and agree with plain path-list
 * semantics. The last test checks that against a naive model on seeded random sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, type FieldPath } from '../../../src/apiserver/patch/field-set.js';
import { TypedWalker } from '../../../src/apiserver/patch/typed-value.js';
import { deploymentSchema, resolve } from './schema-fixture.js';

const keyOf = (paths: readonly FieldPath[]) => paths.map((p) => JSON.stringify(p)).sort();

test('difference prunes emptied subtrees: no stray parents in paths, FieldsV1, prefixes or equality', () => {
  const a = new FieldSet([['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'], ['f:spec', 'f:replicas']]);
  const b = new FieldSet([['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']]);
  const d = a.difference(b);
  assert.deepEqual(d.paths(), [['f:spec', 'f:replicas']]);
  assert.equal(d.size, 1);
  assert.deepEqual(d.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  assert.ok(!d.hasPrefix(['f:spec', 'f:template']), 'nothing left below template');
  assert.ok(d.hasPrefix(['f:spec']));
  assert.ok(d.equals(new FieldSet([['f:spec', 'f:replicas']])));
  assert.ok(a.difference(a).isEmpty());
  assert.deepEqual(a.difference(a).toFieldsV1(), {});
  assert.equal(a.size, 2, 'operands unchanged');
});

test('a member with children keeps its children after the member alone is removed', () => {
  const a = new FieldSet([['f:spec', 'f:ports', 'k:{"port":80}'], ['f:spec', 'f:ports', 'k:{"port":80}', 'f:name']]);
  const d = a.difference(new FieldSet([['f:spec', 'f:ports', 'k:{"port":80}']]));
  assert.deepEqual(d.paths(), [['f:spec', 'f:ports', 'k:{"port":80}', 'f:name']]);
  assert.deepEqual(d.toFieldsV1(), { 'f:spec': { 'f:ports': { 'k:{"port":80}': { 'f:name': {} } } } });
  assert.ok(!d.has(['f:spec', 'f:ports', 'k:{"port":80}']));
  assert.ok(d.hasPrefix(['f:spec', 'f:ports', 'k:{"port":80}']));
});

test('union of overlapping tries merges shared nodes; intersection keeps only common members', () => {
  const a = new FieldSet([['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:replicas']]);
  const b = new FieldSet([['f:metadata', 'f:labels', 'f:tier'], ['f:metadata', 'f:labels'], ['f:spec', 'f:replicas']]);
  const u = a.union(b);
  assert.deepEqual(keyOf(u.paths()), keyOf([
    ['f:metadata', 'f:labels', 'f:app'], ['f:metadata', 'f:labels', 'f:tier'], ['f:metadata', 'f:labels'], ['f:spec', 'f:replicas'],
  ]));
  assert.deepEqual(u.toFieldsV1(), { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } }, 'f:spec': { 'f:replicas': {} } });
  assert.ok(u.equals(b.union(a)));
  assert.ok(!u.equals(a));
  const i = a.intersection(b);
  assert.deepEqual(i.paths(), [['f:spec', 'f:replicas']]);
  assert.ok(!i.hasPrefix(['f:metadata']), 'labels had no common member');
  assert.equal(a.size, 2);
  assert.equal(b.size, 3);
});

test('equals compares members, not shapes: [] and parents count, order does not', () => {
  assert.ok(new FieldSet([['f:a', 'f:b'], ['f:c']]).equals(new FieldSet([['f:c'], ['f:a', 'f:b']])));
  assert.ok(!new FieldSet([['f:a', 'f:b']]).equals(new FieldSet([['f:a', 'f:b'], ['f:a']])));
  assert.ok(!new FieldSet([['f:a']]).equals(new FieldSet([['f:a'], []])));
  assert.ok(new FieldSet().equals(new FieldSet([['f:x']]).difference(new FieldSet([['f:x']]))));
});

test('delete and deleteSubtree prune their ancestors', () => {
  const s = new FieldSet([['f:metadata', 'f:name'], ['f:metadata', 'f:labels', 'f:app'], ['f:status', 'f:phase'], ['f:metadata']]);
  s.deleteSubtree(['f:metadata', 'f:labels']);
  s.deleteSubtree(['f:status']);
  s.deleteSubtree(['f:nothing', 'f:here']);
  assert.deepEqual(keyOf(s.paths()), keyOf([['f:metadata'], ['f:metadata', 'f:name']]));
  s.delete(['f:metadata']);
  assert.deepEqual(s.paths(), [['f:metadata', 'f:name']]);
  s.delete(['f:metadata', 'f:name']);
  assert.ok(s.isEmpty());
  assert.ok(!s.hasPrefix(['f:metadata']));
  const all = new FieldSet([['f:a'], ['f:b', 'f:c']]);
  all.deleteSubtree([]);
  assert.ok(all.isEmpty());
});

test('prototype names are ordinary path elements', () => {
  const s = new FieldSet([['__proto__'], ['constructor', 'f:x'], ['f:__proto__', 'hasOwnProperty']]);
  assert.ok(s.has(['__proto__']));
  assert.ok(s.has(['constructor', 'f:x']));
  assert.ok(!s.has(['toString']));
  assert.ok(!s.hasPrefix(['valueOf']));
  assert.ok(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s.difference(new FieldSet([['__proto__']]))),
    'FieldsV1 cannot carry a bare "__proto__" key; everything else round-trips');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('fromFieldsV1 skips non-object entries and keeps "." members', () => {
  const s = FieldSet.fromFieldsV1({ 'f:a': { '.': {}, 'f:b': {} }, 'f:c': 1, 'f:d': { 'f:e': 'x' }, '.': {} });
  assert.deepEqual(keyOf(s.paths()), keyOf([['f:a'], ['f:a', 'f:b']]));
  assert.ok(!s.hasPrefix(['f:d']), 'no member below f:d');
});

test('compare reports added, removed and modified leaves', () => {
  const walker = new TypedWalker(resolve);
  const meta = walker.rootMeta(deploymentSchema);
  const before = { metadata: { labels: { app: 'web', old: 'x' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'a' }] } } } };
  const after = { metadata: { labels: { app: 'web' }, annotations: { note: 'n' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'b' }, { name: 'side', image: 'c' }] } } } };
  const { added, removed, modified } = walker.compare(before, after, meta);
  const side = ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"side"}'];
  assert.deepEqual(keyOf(added.paths()), keyOf([
    ['f:metadata', 'f:annotations'], ['f:metadata', 'f:annotations', 'f:note'], side, [...side, 'f:image'], [...side, 'f:name'],
  ]));
  assert.deepEqual(removed.paths(), [['f:metadata', 'f:labels', 'f:old']]);
  assert.deepEqual(keyOf(modified.paths()), keyOf([
    ['f:spec', 'f:replicas'], ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'],
  ]));
  const created = walker.compare({}, after, meta);
  assert.ok(created.removed.isEmpty() && created.modified.isEmpty());
  assert.ok(created.added.equals(walker.fieldSet(after, meta).union(new FieldSet([['f:metadata', 'f:labels'], ['f:metadata', 'f:annotations']]))));
});

test('set operations agree with plain path lists (seeded random sets)', () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const elements = ['f:a', 'f:b', 'k:{"name":"x"}', 'v:"p"', 'i:0', 'i:10', 'f:__proto__'];
  const randomPaths = (): FieldPath[] => Array.from({ length: Math.floor(random() * 7) }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, () => elements[Math.floor(random() * elements.length)]!));
  const model = (paths: FieldPath[]) => new Set(paths.map((p) => JSON.stringify(p)));
  for (let round = 0; round < 500; round++) {
    const pa = randomPaths();
    const pb = randomPaths();
    const [a, b, ma, mb] = [new FieldSet(pa), new FieldSet(pb), model(pa), model(pb)];
    const expected = {
      union: [...new Set([...ma, ...mb])],
      intersection: [...ma].filter((k) => mb.has(k)),
      difference: [...ma].filter((k) => !mb.has(k)),
    };
    for (const op of ['union', 'intersection', 'difference'] as const) {
      const result = a[op](b);
      const want = expected[op].sort();
      assert.deepEqual(keyOf(result.paths()), want, `${op} of ${JSON.stringify(pa)} and ${JSON.stringify(pb)}`);
      assert.equal(result.size, want.length);
      assert.equal(result.isEmpty(), want.length === 0);
      assert.ok(FieldSet.fromFieldsV1(result.toFieldsV1()).equals(result), 'FieldsV1 round trip');
      for (const p of [...pa, ...pb].flatMap((p) => p.map((_, i) => p.slice(0, i + 1)))) {
        const k = JSON.stringify(p);
        assert.equal(result.has(p), want.includes(k));
        assert.equal(result.hasPrefix(p), want.some((w) => (JSON.parse(w) as string[]).slice(0, p.length).join('\n') === p.join('\n')
          && (JSON.parse(w) as string[]).length >= p.length));
      }
    }
    assert.equal(a.equals(b), ma.size === mb.size && [...ma].every((k) => mb.has(k)));
  }
});
