import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPodNamespaces, isSharedMountPoint, removePodNamespaces } from '../../src/runtime/pod-namespaces.js';

function mounted(path: string): boolean {
  return execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' }).split('\n').some((l) => l.split(' ')[4] === path);
}

test('IPC, UTS and network namespaces from one unshare: hostname set, loopback up, idempotent, removable', async (t) => {
  // `ip netns` makes /run/netns a shared mount point the first time it is used on a machine.
  execFileSync('ip', ['netns', 'add', `stratus-nsprep-${process.pid}`]);
  execFileSync('ip', ['netns', 'delete', `stratus-nsprep-${process.pid}`]);
  assert.ok(await isSharedMountPoint('/run/netns'));
  const dir = mkdtempSync(join(tmpdir(), 'stratus-podns-'));
  const name = `stratus-podns-${process.pid}`;
  const netns = `/run/netns/${name}`;
  t.after(async () => {
    await removePodNamespaces(join(dir, 'ns'));
    if (existsSync(netns)) execFileSync('ip', ['netns', 'delete', name]);
    rmSync(dir, { recursive: true, force: true });
  });
  const ns = await createPodNamespaces(join(dir, 'ns'), 'pod-host', netns);
  assert.ok(mounted(ns.ipc) && mounted(ns.uts) && mounted(netns));
  assert.equal(execFileSync('nsenter', [`--uts=${ns.uts}`, 'hostname'], { encoding: 'utf8' }).trim(), 'pod-host');
  assert.match(execFileSync('ip', ['-n', name, 'link', 'show', 'lo'], { encoding: 'utf8' }), /UP/);
  // A second call finds them; a missing netns alone is made on its own.
  assert.deepEqual(await createPodNamespaces(join(dir, 'ns'), 'pod-host', netns), ns);
  execFileSync('ip', ['netns', 'delete', name]);
  await createPodNamespaces(join(dir, 'ns'), 'pod-host', netns);
  assert.match(execFileSync('ip', ['-n', name, 'link', 'show', 'lo'], { encoding: 'utf8' }), /UP/);
  execFileSync('ip', ['netns', 'delete', name]);
  await removePodNamespaces(join(dir, 'ns'));
  assert.ok(!mounted(ns.ipc) && !mounted(ns.uts) && !existsSync(netns));
});
