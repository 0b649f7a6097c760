import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerRuntime } from '../../src/runtime/runtime.js';
import { readLogs, readLogEntries } from '../../src/runtime/log-reader.js';
import { RuntimeError } from '../../src/runtime/errors.js';
import { makeRuntimeFixture, mountsUnder, runcList, type RuntimeFixture } from './runtime-fixture.js';

let fx: RuntimeFixture;
before(() => {
  fx = makeRuntimeFixture('runtime');
});
after(async () => {
  await fx.cleanup();
});

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const s of gen) out += s;
  return out;
}

test('runs a container, records exit code 3 and CRI logs with timestamps', async () => {
  const rt = fx.runtime;
  const created = await rt.createContainer(
    'exit3',
    fx.config(['sh', '-c', 'echo hello; echo oops >&2; printf tail; exit 3'], { labels: { pod: 'p1' } }),
    { logPath: fx.logPath('exit3') },
  );
  assert.equal(created.state, 'created');
  assert.ok(created.pid && created.pid > 0);
  const started = await rt.start('exit3');
  assert.ok(started.startedAt);
  const done = await rt.waitExit('exit3', 10_000);
  assert.equal(done.state, 'exited');
  assert.equal(done.exitCode, 3);
  assert.equal(done.oomKilled, false);
  assert.ok(done.finishedAt && done.finishedAt >= done.startedAt!);
  assert.deepEqual(done.labels, { pod: 'p1' });

  const raw = readFileSync(fx.logPath('exit3'), 'utf8');
  assert.match(raw, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F hello$/m);
  assert.match(raw, / stderr F oops$/m);
  assert.match(raw, / stdout P tail$/m);
  assert.equal(await collect(readLogs(fx.logPath('exit3'))), 'hello\noops\ntail\n');
  const stamped = await collect(readLogs(fx.logPath('exit3'), { timestamps: true, tail: 1, stream: 'stdout' }));
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\S+Z tail\n$/);
  assert.equal(await collect(readLogs(fx.logPath('exit3'), { limitBytes: 8 })), 'hello\noo');
  assert.equal(await collect(readLogs(fx.logPath('exit3'), { sinceTime: new Date(Date.now() + 60_000) })), '');
});

test('exit code 0, and create fails with a clear error for a missing binary', async () => {
  const ok = await fx.runtime.run('exit0', fx.config(['true']), { logPath: fx.logPath('exit0') });
  assert.notEqual(ok.state, 'unknown');
  assert.equal((await fx.runtime.waitExit('exit0', 10_000)).exitCode, 0);
  await assert.rejects(
    fx.runtime.createContainer('nobin', fx.config(['/no/such/binary']), { logPath: fx.logPath('nobin') }),
    (err: RuntimeError) => err.code === 'CreateFailed' && /no such file|not found/i.test(err.message),
  );
  assert.ok(!existsSync(fx.runtime.bundleDir('nobin')));
  await assert.rejects(fx.runtime.state('nobin'), (err: RuntimeError) => err.code === 'NotFound');
  await assert.rejects(fx.runtime.createContainer('exit0', fx.config(['true']), { logPath: fx.logPath('x') }), (e: RuntimeError) => e.code === 'AlreadyExists');
});

test('OOM kill under a small memory limit exits 137 with oomKilled', async () => {
  const cfg = fx.config(['sh', '-c', 'x=$(head -c 200m /dev/zero | tr "\\0" x); echo survived'], {
    resources: { memoryLimitBytes: 16 * 1024 * 1024 },
  });
  await fx.runtime.run('oom', cfg, { logPath: fx.logPath('oom') });
  const done = await fx.runtime.waitExit('oom', 30_000);
  assert.equal(done.state, 'exited');
  assert.equal(done.exitCode, 137);
  assert.equal(done.oomKilled, true);
  assert.equal(done.reason, 'OOMKilled');
});

test('stop: a TERM-ignoring PID 1 dies after the grace period; a handler exits cleanly', async () => {
  await fx.runtime.run('stubborn', fx.config(['sleep', '1000']), { logPath: fx.logPath('stubborn') });
  const t0 = Date.now();
  const stopped = await fx.runtime.stop('stubborn', 1);
  const took = Date.now() - t0;
  assert.equal(stopped.exitCode, 137);
  assert.equal(stopped.signal, 9);
  assert.ok(took >= 900 && took < 5000, `stop took ${took} ms`);

  await fx.runtime.run('polite', fx.config(['sh', '-c', 'trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done']), {
    logPath: fx.logPath('polite'),
  });
  await new Promise((r) => setTimeout(r, 200));
  const s = await fx.runtime.stop('polite', 10);
  assert.equal(s.exitCode, 0);
  assert.match(readFileSync(fx.logPath('polite'), 'utf8'), /stdout F bye/);
});

test('stats read cpu and memory from the cgroup', async () => {
  await fx.runtime.run('busy', fx.config(['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 1000']), {
    logPath: fx.logPath('busy'),
  });
  await new Promise((r) => setTimeout(r, 300));
  const stats = await fx.runtime.stats('busy');
  assert.ok(stats.cpuUsageNanos > 1_000_000, `cpu ${stats.cpuUsageNanos}`);
  assert.ok(stats.memoryWorkingSetBytes > 0);
  assert.ok(stats.pids >= 1);
  await fx.runtime.stop('busy', 0);
});

test('logs rotate by size and are read back across files, following until exit', async () => {
  const rt = new ContainerRuntime({ root: join(fx.dir, 'node-rotate'), logMaxBytes: 4096, logMaxFiles: 3 });
  const log = fx.logPath('rotate');
  await rt.run('rotate', fx.config(['sh', '-c', 'sleep 0.3; i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); [ $((i % 50)) -eq 0 ] && sleep 0.05; done']), { logPath: log });
  const lines: string[] = [];
  for await (const e of readLogEntries(log, { follow: true, maxFiles: 3, isFinished: () => rt.hasExited('rotate') })) {
    lines.push(e.content);
  }
  assert.ok(existsSync(`${log}.1`) && existsSync(`${log}.2`) && !existsSync(`${log}.3`));
  assert.equal(lines.at(-1), 'line-299');
  // Following saw every line in order even though files rotated under it.
  assert.deepEqual(lines, Array.from({ length: 300 }, (_, i) => `line-${i}`));
  // A later read only has what the 3 files kept, still ending with the last line and in order.
  const kept = (await collect(readLogs(log, { maxFiles: 3 }))).trim().split('\n');
  assert.ok(kept.length < 300 && kept.at(-1) === 'line-299');
  await rt.remove('rotate');
  assert.ok(!existsSync(log) && !existsSync(`${log}.1`));
});

test('watchExits reports an exit promptly; exec needs a running container; update changes limits live', async () => {
  const seen: Array<{ id: string; exitCode?: number }> = [];
  const stopWatching = fx.runtime.watchExits((s) => seen.push({ id: s.id, exitCode: s.exitCode }), 50);
  try {
    await fx.runtime.run('quick', fx.config(['sh', '-c', 'sleep 0.3; exit 4']), { logPath: fx.logPath('quick') });
    await fx.runtime.run('long', fx.config(['sleep', '1000']), { logPath: fx.logPath('long') });
    const t0 = Date.now();
    while (!seen.some((s) => s.id === 'quick') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen.find((s) => s.id === 'quick'), { id: 'quick', exitCode: 4 });
    assert.ok(Date.now() - t0 < 1500, `reported after ${Date.now() - t0} ms`);
    assert.ok(!seen.some((s) => s.id === 'long'));
  } finally {
    stopWatching();
  }
  await assert.rejects(fx.runtime.exec('quick', { args: ['true'] }), (e: RuntimeError) => e.code === 'NotRunning');

  await fx.runtime.update('long', { memoryLimitBytes: 32 * 1024 * 1024, cpuLimitMilli: 250 });
  const cg = fx.config(['x']).cgroupsPath.replace(/\/c\d+$/, '');
  const spec = JSON.parse(readFileSync(join(fx.runtime.bundleDir('long'), 'config.json'), 'utf8')) as { linux: { cgroupsPath: string } };
  assert.ok(spec.linux.cgroupsPath.startsWith(cg));
  assert.equal(readFileSync(`/sys/fs/cgroup/memory${spec.linux.cgroupsPath}/memory.limit_in_bytes`, 'utf8').trim(), String(32 * 1024 * 1024));
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${spec.linux.cgroupsPath}/cpu.cfs_quota_us`, 'utf8').trim(), '25000');
  await fx.runtime.stop('long', 0);
});

test('a created (never started) container can be stopped; a running one removed directly', async () => {
  const created = await fx.runtime.createContainer('never', fx.config(['echo', 'never']), { logPath: fx.logPath('never') });
  assert.equal(created.state, 'created');
  assert.equal((await fx.runtime.list()).find((c) => c.id === 'never')?.state, 'created');
  const stopped = await fx.runtime.stop('never', 5);
  assert.equal(stopped.state, 'exited');
  assert.equal(stopped.startedAt, undefined);
  assert.equal(readFileSync(fx.logPath('never'), 'utf8'), '');
  await fx.runtime.run('doomed', fx.config(['sleep', '1000']), { logPath: fx.logPath('doomed') });
  await fx.runtime.remove('doomed');
  await fx.runtime.remove('doomed'); // idempotent
  assert.ok(!runcList(fx.runtime.runcRoot).includes('doomed'));
  await assert.rejects(fx.runtime.state('doomed'), (e: RuntimeError) => e.code === 'NotFound');
});

test('RuntimeDefault seccomp blocks unshare; Unconfined (with CAP_SYS_ADMIN) does not', async () => {
  const probe = ['sh', '-c', 'unshare -u true && echo allowed || echo blocked'];
  const caps = { add: ['SYS_ADMIN'] };
  await fx.runtime.run('sc-default', fx.config(probe, { seccomp: 'RuntimeDefault', capabilities: caps }), { logPath: fx.logPath('sc-default') });
  await fx.runtime.run('sc-open', fx.config(probe, { capabilities: caps }), { logPath: fx.logPath('sc-open') });
  await fx.runtime.waitExit('sc-default', 10_000);
  await fx.runtime.waitExit('sc-open', 10_000);
  assert.equal(await collect(readLogs(fx.logPath('sc-default'), { stream: 'stdout' })), 'blocked\n');
  assert.equal(await collect(readLogs(fx.logPath('sc-open'), { stream: 'stdout' })), 'allowed\n');
});

test('if the shim itself is killed, a stopped container says its exit code was lost', async () => {
  await fx.runtime.run('orphan', fx.config(['sleep', '1000']), { logPath: fx.logPath('orphan') });
  const meta = JSON.parse(readFileSync(join(fx.runtime.bundleDir('orphan'), 'stratus.json'), 'utf8')) as { shimPid: number };
  process.kill(meta.shimPid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await fx.runtime.state('orphan')).state, 'running');
  await fx.runtime.kill('orphan', 'KILL');
  const status = await fx.runtime.waitExit('orphan', 5000);
  assert.equal(status.state, 'exited');
  assert.equal(status.exitCode, 255);
  assert.equal(status.reason, 'ExitCodeLost');
});

test('the shim mounts the overlay root filesystem it is given; a bad overlay fails the create with the mount error', async () => {
  const base = join(fx.dir, 'overlay');
  const spec = (name: string) => ({ lowerDirs: [fx.rootfs], upperDir: join(base, name, 'upper'), workDir: join(base, name, 'work'), target: join(base, name, 'merged') });
  const good = spec('good');
  for (const d of [good.upperDir, good.workDir, good.target]) mkdirSync(d, { recursive: true });
  writeFileSync(join(good.upperDir, 'from-upper'), 'upper layer\n');
  await fx.runtime.run('overlaid', fx.config(['sh', '-c', 'cat /from-upper; echo written > /new-file'], { rootfs: good.target }), { logPath: fx.logPath('overlaid'), overlay: good });
  assert.equal((await fx.runtime.waitExit('overlaid', 10_000)).exitCode, 0);
  assert.equal(await collect(readLogs(fx.logPath('overlaid'))), 'upper layer\n');
  assert.ok(mountsUnder(fx.dir).includes(good.target), 'the overlay stays mounted for the container');
  assert.equal(readFileSync(join(good.upperDir, 'new-file'), 'utf8'), 'written\n');
  execFileSync('umount', [good.target]);

  const bad = spec('bad'); // no upper/work directories
  mkdirSync(bad.target, { recursive: true });
  await assert.rejects(
    fx.runtime.run('badoverlay', fx.config(['true'], { rootfs: bad.target }), { logPath: fx.logPath('badoverlay'), overlay: bad }),
    (err: RuntimeError) => err.code === 'CreateFailed' && /mount overlay/.test(err.message),
  );
  assert.equal(await fx.runtime.has('badoverlay'), false);
  assert.ok(!mountsUnder(fx.dir).includes(bad.target));
});

test('remove leaves no runc state, bundle or mounts', async () => {
  for (const c of await fx.runtime.list()) await fx.runtime.remove(c.id);
  assert.deepEqual(await fx.runtime.list(), []);
  assert.deepEqual(runcList(fx.runtime.runcRoot), []);
  assert.deepEqual(mountsUnder(fx.dir), []);
});
