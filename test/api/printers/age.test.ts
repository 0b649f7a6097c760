import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, durationBetween, humanDuration } from '../../../src/api/printers/age.js';
import { containerCells, formatLabelSelector, formatLabels, listWithMore } from '../../../src/api/printers/format.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration matches kubectl at every boundary', () => {
  const cases: Array<[number, string]> = [
    [-3 * s, '<invalid>'], [-1500, '0s'], [0, '0s'], [5 * s, '5s'], [119 * s, '119s'], [2 * m, '2m'],
    [3 * m + 12 * s, '3m12s'], [9 * m + 59 * s, '9m59s'], [10 * m, '10m'], [179 * m, '179m'], [3 * h, '3h'],
    [5 * h + 3 * m, '5h3m'], [7 * h + 59 * m, '7h59m'], [8 * h, '8h'], [47 * h, '47h'], [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'], [7 * d + 23 * h, '7d23h'], [8 * d, '8d'], [364 * d, '364d'], [729 * d, '729d'],
    [730 * d, '2y'], [2 * 365 * d + 30 * d, '2y30d'], [9 * 365 * d, '9y'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms} ms`);
});

test('age of a timestamp, unknown when unset', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  assert.equal(age('2026-01-01T00:00:00Z', now), '10m');
  assert.equal(age(undefined, now), '<unknown>');
  assert.equal(age('not a time', now), '<unknown>');
  assert.equal(durationBetween('2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z'), '42s');
  assert.equal(durationBetween(undefined, '2026-01-01T00:00:42Z'), undefined);
});

test('label and selector formatting', () => {
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
  assert.equal(formatLabelSelector({
    matchLabels: { z: '1' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'gone', operator: 'DoesNotExist' }],
  }), '!gone,tier in (a,b),z=1');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.deepEqual(containerCells([{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y' }]), ['a,b', 'x:1,y']);
  assert.equal(listWithMore(['a', 'b', 'c', 'd'], 3), 'a,b,c + 1 more...');
  assert.equal(listWithMore([], 3), '<none>');
});
