import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ContainerRuntime } from '../../src/runtime/runtime.js';
import type { TerminalSize } from '../../src/runtime/exec.js';
import { makeRuntimeFixture, type RuntimeFixture } from './runtime-fixture.js';

let fx: RuntimeFixture;
before(async () => {
  fx = makeRuntimeFixture('exec');
});
after(async () => {
  await fx.cleanup();
});

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error('timed out'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test('exec: output, stderr, exit code, env, stdin', async () => {
  await fx.runtime.run('target', fx.config(['sleep', '1000'], { env: ['FROM_SPEC=1'] }), { logPath: fx.logPath('target') });
  const out = new Collector();
  const err = new Collector();
  const code = await fx.runtime.exec('target', {
    args: ['sh', '-c', 'echo out $FROM_SPEC $EXTRA; echo err >&2; exit 5'],
    env: ['EXTRA=x'],
    stdout: out,
    stderr: err,
  });
  assert.equal(code, 5);
  assert.equal(out.text, 'out 1 x\n');
  assert.equal(err.text, 'err\n');

  const stdin = new PassThrough();
  const echoed = new Collector();
  const running = fx.runtime.exec('target', { args: ['cat'], stdin, stdout: echoed });
  stdin.end('through stdin\n');
  assert.equal(await running, 0);
  assert.equal(echoed.text, 'through stdin\n');
});

test('exec with a tty: terminal size, resize, exit code', async () => {
  const stdin = new PassThrough();
  const out = new Collector();
  const sizes: TerminalSize[] = [];
  let pushSize: ((s: TerminalSize) => void) | undefined;
  const resize: AsyncIterable<TerminalSize> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = sizes.shift() ?? (await new Promise<TerminalSize>((r) => (pushSize = r)));
        yield next;
      }
    },
  };
  const running = fx.runtime.exec('target', {
    args: ['sh', '-c', '[ -t 0 ] && echo is-a-tty; sleep 0.5; stty size; read x; stty size; exit 7'],
    tty: true,
    stdin,
    stdout: out,
    terminalSize: { rows: 30, cols: 100 },
    resize,
  });
  await waitFor(() => out.text.includes('30 100'), 10_000);
  pushSize?.({ rows: 40, cols: 120 });
  await new Promise((r) => setTimeout(r, 200));
  stdin.write('\n');
  assert.equal(await running, 7);
  assert.match(out.text, /is-a-tty/);
  assert.match(out.text, /40 120/);
});

test('aborting an exec ends the process inside the container (tty and plain)', async () => {
  for (const tty of [true, false]) {
    const abort = new AbortController();
    const running = fx.runtime.exec('target', { args: ['sh', '-c', 'exec sleep 777'], tty, signal: abort.signal });
    await new Promise((r) => setTimeout(r, 400));
    abort.abort();
    const code = await running;
    assert.ok(code === 137 || code === 143, `tty=${tty}: exit ${code}`);
    const ps = new Collector();
    await fx.runtime.exec('target', { args: ['ps'], stdout: ps });
    assert.ok(!ps.text.includes('sleep 777'), `tty=${tty}: ${ps.text}`);
  }
});

test('adoption: a container outlives the process that created it (kill -9) and a fresh runtime finds it', async () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(fx.dir, 'node'); // the fixture runtime's root: its cleanup removes what we leave
  const config = fx.config(['sh', '-c', 'while :; do echo tick; sleep 0.2; done'], { labels: { 'stratus.io/pod-uid': 'u1' } });
  const child = spawn(process.execPath, [join(here, 'fixtures', 'start-and-hang.js'), JSON.stringify({ root, id: 'adopted', config, logPath: fx.logPath('adopted') })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let said = '';
  child.stdout.on('data', (d: Buffer) => (said += d.toString()));
  await waitFor(() => said.includes('started'), 15_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 500));

  const fresh = new ContainerRuntime({ root });
  const found = (await fresh.list()).find((c) => c.id === 'adopted');
  assert.ok(found, 'list() sees the container');
  assert.equal(found.state, 'running');
  assert.deepEqual(found.labels, { 'stratus.io/pod-uid': 'u1' });
  const ticks = readFileSync(fx.logPath('adopted'), 'utf8').split('\n').filter((l) => l.endsWith(' tick')).length;
  await new Promise((r) => setTimeout(r, 500));
  const later = readFileSync(fx.logPath('adopted'), 'utf8').split('\n').filter((l) => l.endsWith(' tick')).length;
  assert.ok(later > ticks, 'still logging after its creator died');
  const stopped = await fresh.stop('adopted', 0);
  assert.equal(stopped.state, 'exited');
  assert.equal(stopped.exitCode, 137);
});
