// `runc exec` of a process in a running container: plain pipes, or a pty through `stratus-shim tty`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export interface TerminalSize {
  rows: number;
  cols: number;
}

export interface ExecOptions {
  args: string[];
  /** Extra "NAME=value" entries on top of the container's environment. */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number };
  /** Allocate a pty: stdout carries the terminal output, stderr only runtime errors. */
  tty?: boolean;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Initial terminal size (tty only). */
  terminalSize?: TerminalSize;
  /** Later terminal sizes (tty only), e.g. from kubectl's resize channel. */
  resize?: AsyncIterable<TerminalSize>;
  /** Ends the exec'd process when aborted (e.g. the client went away). */
  signal?: AbortSignal;
}

export interface ExecTarget {
  runc: string;
  runcRoot: string;
  id: string;
  /** stratus-shim binary, needed for tty. */
  shim?: string;
  bundle: string;
}

function processFlags(options: ExecOptions): string[] {
  const flags: string[] = [];
  if (options.cwd) flags.push('--cwd', options.cwd);
  for (const e of options.env ?? []) flags.push('--env', e);
  if (options.user) flags.push('--user', `${options.user.uid}:${options.user.gid}`);
  return flags;
}

export async function runExec(target: ExecTarget, options: ExecOptions): Promise<number> {
  const base = [target.runc, '--root', target.runcRoot, 'exec'];
  let command: string;
  let args: string[];
  let socket: string | undefined;
  let pidFile: string | undefined;
  if (options.tty) {
    if (!target.shim) throw new Error('tty exec needs the stratus-shim binary');
    const tag = randomBytes(6).toString('hex');
    socket = join(tmpdir(), `stratus-exec-${tag}.sock`);
    pidFile = join(target.bundle, `exec-${tag}.pid`);
    command = target.shim;
    args = [
      'tty', '--socket', socket, '--pid-file', pidFile, '--',
      ...base, '-d', '-t', '--console-socket', socket, '--pid-file', pidFile,
      ...processFlags(options), target.id, ...options.args,
    ];
  } else {
    command = base[0]!;
    args = [...base.slice(1), ...processFlags(options), target.id, ...options.args];
  }
  const child = spawn(command, args, {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(options.tty ? (['pipe'] as const) : [])],
  });
  const control = options.tty ? (child.stdio[3] as Writable) : undefined;
  const sendSize = (s: TerminalSize) => control?.write(`${s.rows} ${s.cols}\n`);
  if (options.terminalSize) sendSize(options.terminalSize);
  if (options.resize && control) {
    void (async () => {
      try {
        for await (const size of options.resize!) sendSize(size);
      } catch {
        // resize source failed: keep the session
      }
    })();
  }
  if (options.stdin && child.stdin) {
    options.stdin.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
  }
  if (options.stdout) child.stdout!.pipe(options.stdout, { end: false });
  else child.stdout!.resume();
  if (options.stderr) child.stderr!.pipe(options.stderr, { end: false });
  else child.stderr!.resume();
  // tty: the shim kills the exec'd process on SIGTERM. Plain: runc forwards TERM; KILL (runc only) if ignored.
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    killTimer.unref();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, sig) => {
        // A background process inside may keep the pipes open: drain briefly, then stop waiting.
        const finish = () => resolve(code ?? 128 + (sig ? signalNumber(sig) : 0));
        const streams = [child.stdout!, child.stderr!].filter((s) => !s.closed);
        if (streams.length === 0) return finish();
        const timer = setTimeout(finish, 500);
        let open = streams.length;
        for (const s of streams) {
          s.once('close', () => {
            if (--open === 0) {
              clearTimeout(timer);
              finish();
            }
          });
        }
      });
    });
    return code;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    options.stdin?.unpipe(child.stdin ?? undefined);
    control?.end();
    if (socket) await rm(socket, { force: true });
    if (pidFile) await rm(pidFile, { force: true });
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 0;
}
