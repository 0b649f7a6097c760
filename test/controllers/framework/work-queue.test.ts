import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/controllers/framework/work-queue.js';

test('a key added many times is handed out once', async () => {
  const queue = new WorkQueue<string>();
  queue.add('a');
  queue.add('b');
  queue.add('a');
  assert.equal(queue.len(), 2);
  assert.equal(await queue.get(), 'a');
  assert.equal(await queue.get(), 'b');
  assert.equal(queue.len(), 0);
});

test('a key added while processing is queued again only after done()', async () => {
  const queue = new WorkQueue<string>();
  queue.add('a');
  const key = await queue.get();
  queue.add('a');
  assert.equal(queue.len(), 0, 'not handed to a second worker while in flight');
  queue.done(key!);
  assert.equal(queue.len(), 1);
  assert.equal(await queue.get(), 'a');
});

test('a waiting get() receives the next added key', async () => {
  const queue = new WorkQueue<string>();
  const pending = queue.get();
  queue.add('x');
  assert.equal(await pending, 'x');
});

test('addAfter delays the key; an earlier deadline wins', async () => {
  const queue = new WorkQueue<string>();
  const started = Date.now();
  queue.addAfter('k', 200);
  queue.addAfter('k', 30);
  assert.equal(queue.len(), 0);
  assert.equal(await queue.get(), 'k');
  const waited = Date.now() - started;
  assert.ok(waited >= 25 && waited < 180, `waited ${waited} ms`);
});

test('addRateLimited backs off exponentially and forget() resets it', async () => {
  const queue = new WorkQueue<string>({ baseDelayMs: 20, maxDelayMs: 1000 });
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    queue.addRateLimited('k');
    const key = await queue.get();
    delays.push(Date.now() - started);
    queue.done(key!);
  }
  assert.equal(queue.numRequeues('k'), 3);
  assert.ok(delays[0]! >= 15 && delays[1]! >= 35 && delays[2]! >= 75, `delays ${delays.join(', ')}`);
  queue.forget('k');
  assert.equal(queue.numRequeues('k'), 0);
});

test('shutDown releases waiting workers with undefined and drops delayed keys', async () => {
  const queue = new WorkQueue<string>();
  const waiting = queue.get();
  queue.addAfter('later', 50);
  queue.shutDown();
  assert.equal(await waiting, undefined);
  queue.add('ignored');
  assert.equal(await queue.get(), undefined);
});
