import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../../src/controllers/framework/controller.js';

test('reconcile failures are retried with back-off until they succeed', async () => {
  let attempts = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  const controller = new Controller({
    name: 'flaky', queue: { baseDelayMs: 5 },
    reconcile: async () => {
      attempts += 1;
      if (attempts < 3) throw new Error('not yet');
      resolveDone();
    },
  });
  await controller.start();
  controller.enqueue('k');
  await done;
  await new Promise((r) => setImmediate(r));
  assert.equal(attempts, 3);
  assert.equal(controller.queue.numRequeues('k'), 0, 'success forgets the failure history');
  await controller.stop();
});

test('requeueAfterMs brings a key back; a key is never reconciled by two workers at once', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  const controller = new Controller({
    name: 'requeue', workers: 4,
    reconcile: async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      calls += 1;
      await new Promise((r) => setTimeout(r, 10));
      running -= 1;
      if (calls >= 3) { resolveDone(); return; }
      controller.enqueue('k');
      return { requeueAfterMs: 5 };
    },
  });
  await controller.start();
  controller.enqueue('k');
  await done;
  assert.equal(maxRunning, 1);
  await controller.stop();
});
