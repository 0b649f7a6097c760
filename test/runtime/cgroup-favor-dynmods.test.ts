import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { enableCgroupFavorDynmods, findCgroup2Mount, remountOptions } from '../../src/runtime/cgroup-favor-dynmods.js';

const HYBRID = [
  '31 1 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '35 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
].join('\n');

test('finds the cgroup2 mount and its super-block options', () => {
  assert.deepEqual(findCgroup2Mount(HYBRID), { point: '/sys/fs/cgroup/unified', superOptions: ['rw', 'nsdelegate', 'memory_recursiveprot'] });
  assert.equal(findCgroup2Mount(HYBRID.split('\n').slice(0, 2).join('\n')), undefined);
});

test('a remount keeps the options the mount has (systemd would lose nsdelegate otherwise)', () => {
  assert.equal(remountOptions(['rw', 'nsdelegate', 'memory_recursiveprot']), 'remount,nsdelegate,memory_recursiveprot,favordynmods');
  assert.equal(remountOptions(['rw', 'favordynmods']), 'remount,favordynmods');
});

test('turns favordynmods on for real and keeps every other option of the cgroup2 mount', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const before = findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  const outcome = await enableCgroupFavorDynmods();
  assert.notEqual(outcome.state, 'unsupported', JSON.stringify(outcome));
  const after = findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  if (!before) {
    assert.equal(after, undefined, 'nothing stays mounted on a host without cgroup2');
    return;
  }
  assert.ok(after!.superOptions.includes('favordynmods'), `favordynmods on ${after!.point}: ${after!.superOptions.join(',')}`);
  for (const option of before.superOptions) assert.ok(after!.superOptions.includes(option), `kept ${option}`);
  // Idempotent.
  assert.equal((await enableCgroupFavorDynmods()).state, 'already');
});
