import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { remainingBackoffMs } from '../../src/controllers/job/backoff.js';
import { formatIndexes, parseIndexes } from '../../src/controllers/job/completion-index.js';

function finishedPod(phase: 'Succeeded' | 'Failed', finishedAtMs: number): Pod {
  return {
    metadata: { name: `p${finishedAtMs}` },
    status: { phase, containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: new Date(finishedAtMs).toISOString() } } }] },
  };
}

test('pod-failure back-off doubles per failure since the last success and is capped', () => {
  const options = { baseMs: 10_000, maxMs: 360_000 };
  const now = 1_000_000;
  assert.equal(remainingBackoffMs([], options, now), 0);
  assert.equal(remainingBackoffMs([finishedPod('Failed', now)], options, now), 10_000);
  assert.equal(remainingBackoffMs([finishedPod('Failed', now - 30_000), finishedPod('Failed', now)], options, now), 20_000);
  const three = [finishedPod('Failed', now - 2), finishedPod('Failed', now - 1), finishedPod('Failed', now)];
  assert.equal(remainingBackoffMs(three, options, now), 40_000);
  assert.equal(remainingBackoffMs(three, options, now + 50_000), 0, 'the delay has passed');
  // A success resets the count.
  assert.equal(remainingBackoffMs([finishedPod('Failed', now - 3), finishedPod('Failed', now - 2), finishedPod('Succeeded', now - 1), finishedPod('Failed', now)], options, now), 10_000);
  assert.equal(remainingBackoffMs([finishedPod('Failed', now - 2), finishedPod('Succeeded', now - 1)], options, now), 0);
  const many = Array.from({ length: 12 }, (_, i) => finishedPod('Failed', now - 12 + i));
  assert.equal(remainingBackoffMs(many, options, now), 360_000 - 1, 'capped at the maximum');
});

test('completed indexes print as ranges and parse back', () => {
  assert.equal(formatIndexes([]), '');
  assert.equal(formatIndexes([3, 0, 1, 2, 6, 8, 7]), '0-3,6-8');
  assert.equal(formatIndexes([5]), '5');
  assert.deepEqual([...parseIndexes('0-2,5')].sort(), [0, 1, 2, 5]);
});
