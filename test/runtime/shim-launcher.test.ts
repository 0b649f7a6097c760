import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShimLauncher } from '../../src/runtime/shim-launcher.js';
import { ensureShimBinary } from '../../src/runtime/shim-binary.js';
import { buildOciSpec } from '../../src/runtime/oci-spec.js';
import { makeBusyboxRootfs, tempDir, testCgroupParent } from './busybox-rootfs.js';

const asRoot = { skip: process.getuid?.() !== 0 && 'needs root' };
let shim: string;
let dir: string;

before(async () => {
  shim = await ensureShimBinary();
  dir = tempDir('stratus-shim-launcher');
});
after(() => {
  execFileSync('rm', ['-rf', dir]);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids of our children running `stratus-shim <mode>`. */
function childShims(mode: string, parent = process.pid): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '--ppid', String(parent)], { encoding: 'utf8' }).trim();
  return out.split('\n').filter((l) => l.includes(`stratus-shim ${mode}`)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

test('runc is exec’d from a sealed memfd copy once it is ready; close() ends the holder', asRoot, async () => {
  const launcher = new ShimLauncher(shim, 'runc');
  assert.equal(launcher.runcBinary(), 'runc', 'plain runc until the copy is ready');
  const held = await waitFor('the sealed copy', () => (launcher.runcBinary() !== 'runc' ? launcher.runcBinary() : undefined));
  assert.match(held, /^\/proc\/\d+\/fd\/\d+$/);
  assert.match(readlinkSync(held), /^\/memfd:runc/);
  assert.match(execFileSync(held, ['--version'], { encoding: 'utf8' }), /runc version/);
  const holderPid = Number(/^\/proc\/(\d+)\//.exec(held)![1]);
  launcher.close();
  await waitFor('the holder to exit', () => !alive(holderPid));
});

test('the second launch uses the shim that was waiting (a write, no fork); close() ends the waiting one', asRoot, async () => {
  const launcher = new ShimLauncher(shim, 'runc');
  const first = launcher.launch(['--id', 'x']);
  assert.match(await first.handshake, /^ERR stratus-shim run: missing --root/);
  const [warm] = await waitFor('a waiting shim', () => (childShims('warm').length ? childShims('warm') : undefined));
  const second = launcher.launch(['--id', 'y']);
  assert.equal(second.child.pid, warm, 'the waiting shim took the arguments');
  assert.match(await second.handshake, /^ERR stratus-shim run: missing --root/, 'and ran them as `run`');
  const [next] = await waitFor('its replacement', () => (childShims('warm').length ? childShims('warm') : undefined));
  launcher.close();
  await waitFor('the waiting shim to exit', () => !alive(next!));
});

test('a container starts through the fallback runc when the held copy cannot be exec’d', asRoot, async () => {
  const rootfs = makeBusyboxRootfs(join(dir, 'fallback'));
  const bundle = join(dir, 'fallback', 'bundle');
  const runcRoot = join(dir, 'fallback', 'runc');
  mkdirSync(bundle, { recursive: true });
  const cgroupParent = testCgroupParent();
  const cgroupsPath = `${cgroupParent}/fallback`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(buildOciSpec({ args: ['sleep', '30'], rootfs, cgroupsPath })));
  const launcher = new ShimLauncher(shim, 'runc');
  try {
    const { handshake } = launcher.launch([
      '--runc', '/proc/self/fd/999999', '--runc-fallback', 'runc', '--shim-log', join(bundle, 'shim.log'),
      '--root', runcRoot, '--bundle', bundle, '--id', 'fallback', '--log', join(bundle, 'c.log'),
      '--exit-file', join(bundle, 'exit.json'), '--start', '1',
    ]);
    const ok = /^OK (\d+)/.exec(await handshake);
    assert.ok(ok, 'started');
    assert.ok(alive(Number(ok[1])), 'the container runs');
  } finally {
    launcher.close();
    execFileSync('runc', ['--root', runcRoot, 'delete', '--force', 'fallback']);
    for (const c of ['cpu', 'cpuacct', 'memory', 'pids', 'devices', 'freezer', 'blkio', 'cpuset', 'systemd', 'unified']) {
      for (const path of [cgroupsPath, cgroupParent]) {
        try {
          execFileSync('rmdir', [`/sys/fs/cgroup/${c}${path}`], { stdio: 'ignore' });
        } catch {
          // not in this hierarchy
        }
      }
    }
  }
});

test('without any runc to exec, the hand-shake names both binaries and what to install', asRoot, async () => {
  const bundle = join(dir, 'no-runc');
  mkdirSync(bundle, { recursive: true });
  const launcher = new ShimLauncher(shim, 'runc');
  try {
    const { handshake } = launcher.launch([
      '--runc', '/nonexistent/held-runc', '--runc-fallback', '/nonexistent/runc', '--shim-log', join(bundle, 'shim.log'),
      '--root', join(bundle, 'state'), '--bundle', bundle, '--id', 'no-runc', '--log', join(bundle, 'c.log'),
      '--exit-file', join(bundle, 'exit.json'), '--start', '1',
    ]);
    const answer = await handshake;
    assert.match(answer, /^ERR runc run exited 127: /);
    assert.match(answer, /\/nonexistent\/held-runc: No such file or directory/);
    assert.match(answer, /\/nonexistent\/runc: No such file or directory/);
    assert.match(answer, /apt-get install runc/);
  } finally {
    launcher.close();
  }
});

test('a killed agent leaves neither the waiting shim nor the holder behind', asRoot, async () => {
  const module = fileURLToPath(new URL('../../src/runtime/shim-launcher.js', import.meta.url));
  const script = `
    const { ShimLauncher } = await import(${JSON.stringify(module)});
    const l = new ShimLauncher(${JSON.stringify(shim)}, 'runc');
    l.runcBinary();
    await l.launch(['--id', 'x']).handshake;
    setInterval(() => undefined, 1000);
    process.stdout.write('ready\\n');`;
  const agent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => agent.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  const helpers = await waitFor('both helpers', () => {
    const pids = [...childShims('warm', agent.pid), ...childShims('hold-runc', agent.pid)];
    return pids.length === 2 ? pids : undefined;
  });
  agent.kill('SIGKILL');
  for (const pid of helpers) await waitFor(`helper ${pid} to exit`, () => !alive(pid));
});
