import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logQuery, parseLogOptions, readerOptions } from '../../../src/agent/server/log-options.js';

const q = (s: string) => new URLSearchParams(s);

describe('pod log options', () => {
  test('parses what kubectl logs sends', () => {
    const o = parseLogOptions(q('container=c&follow=true&previous=true&timestamps=true&tailLines=10&sinceSeconds=5&limitBytes=100'));
    assert.deepEqual(o, { container: 'c', follow: true, previous: true, timestamps: true, tailLines: 10, sinceSeconds: 5, limitBytes: 100 });
    assert.deepEqual(parseLogOptions(q('')), { follow: false, previous: false, timestamps: false });
    assert.equal(parseLogOptions(q('tailLines=0')).tailLines, 0);
    assert.equal(parseLogOptions(q('sinceTime=2024-01-02T15:04:05Z')).sinceTime?.toISOString(), '2024-01-02T15:04:05.000Z');
  });

  test('refuses values Kubernetes refuses', () => {
    assert.throws(() => parseLogOptions(q('tailLines=-1')), /tailLines: Invalid value: -1/);
    assert.throws(() => parseLogOptions(q('tailLines=ten')), /must be an integer/);
    assert.throws(() => parseLogOptions(q('limitBytes=0')), /limitBytes/);
    assert.throws(() => parseLogOptions(q('sinceSeconds=0')), /sinceSeconds/);
    assert.throws(() => parseLogOptions(q('sinceTime=yesterday')), /RFC3339/);
    assert.throws(() => parseLogOptions(q('sinceSeconds=5&sinceTime=2024-01-02T15:04:05Z')), /at most one of `sinceTime` or `sinceSeconds`/);
    assert.throws(() => parseLogOptions(q('follow=maybe')), /follow: Invalid value/);
  });

  test('the agent query carries everything but the container (it is in the path)', () => {
    const o = parseLogOptions(q('container=c&follow=1&tailLines=3&sinceTime=2024-01-02T15:04:05Z&limitBytes=7&timestamps=true&previous=true'));
    const { container: _container, ...rest } = o;
    assert.deepEqual(parseLogOptions(logQuery(o)), rest);
    assert.equal(logQuery(o).get('container'), null);
  });

  test('reader options: sinceSeconds is relative to now', () => {
    const now = Date.parse('2024-01-02T15:00:10Z');
    const r = readerOptions(parseLogOptions(q('sinceSeconds=10&tailLines=2&limitBytes=5&timestamps=true&follow=true')), now);
    assert.equal(r.sinceTime?.toISOString(), '2024-01-02T15:00:00.000Z');
    assert.equal(r.tail, 2);
    assert.equal(r.limitBytes, 5);
    assert.equal(r.timestamps, true);
    assert.equal(r.follow, true);
  });
});
