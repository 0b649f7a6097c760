import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from '../../src/scheduler/queue.js';
import { pod } from './fixtures.js';

test('higher priority first, then older first', async () => {
  const q = new SchedulingQueue();
  q.add(pod('old-low', { priority: 1 }));
  q.add(pod('new-high', { priority: 10 }));
  q.add(pod('newer-low', { priority: 1 }));
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.metadata!.name);
  assert.deepEqual(order, ['new-high', 'old-low', 'newer-low']);
  q.close();
});

test('an unschedulable pod waits for a cluster event, then its back-off, even while another timer is long', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 30, unschedulableTimeoutMs: 60_000 });
  q.addUnschedulable(pod('stuck-forever'));
  q.addUnschedulable(pod('a'));
  assert.equal(q.activeLength(), 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(q.activeLength(), 0, 'no event yet: stays parked');
  q.moveAllToActiveOrBackoff();
  const started = Date.now();
  const first = await q.pop();
  assert.ok(first);
  assert.ok(Date.now() - started < 1000, 'retried after its back-off, not after the 30 s periodic check');
  q.close();
});

test('back-off doubles per attempt up to the maximum', async () => {
  let now = 0;
  const q = new SchedulingQueue({ initialBackoffMs: 100, maxBackoffMs: 300, now: () => now });
  const p = pod('p');
  q.addBackoff(p);
  q.flush();
  assert.equal(q.activeLength(), 0);
  now = 100; q.flush();
  assert.equal(q.activeLength(), 1);
  await q.pop();
  q.addBackoff(p); // second attempt: 200 ms
  now = 250; q.flush();
  assert.equal(q.activeLength(), 0);
  now = 300; q.flush();
  assert.equal(q.activeLength(), 1);
  q.close();
});

test('deleting a queued pod removes it', async () => {
  const q = new SchedulingQueue();
  q.add(pod('x'));
  q.add(pod('y'));
  q.delete('default/x');
  assert.equal((await q.pop())!.metadata!.name, 'y');
  assert.equal(q.length, 0);
  q.close();
});
