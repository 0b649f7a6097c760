// Starts the per-container shims of a runtime cheaply (see `warm` and `hold-runc` in shim/stratus-shim.c):
// - one shim is kept waiting for its arguments, so a container start costs the agent a pipe write instead of a
//   fork of its large process (≈ 2.5 ms from spawn() to the shim running, ≈ 2 ms of it blocking the event loop);
//   its replacement is forked later, when the caller's gate says the node is not busy starting pods;
// - runc is exec'd from a sealed memfd copy held by a small process, which spares runc 1.1 its own ≈ 10 MB copy
//   of itself at every container start (≈ 1.5 ms). Until that copy is ready, or if it is gone, runc itself runs.
// Both helpers exit when their stdin closes, so an agent that is killed leaves none of them behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface LaunchedShim {
  child: ChildProcess;
  /** Everything the shim printed on stdout until it closed it (its "OK <pid>" or "ERR …" hand-shake). */
  handshake: Promise<string>;
}

const WARM_SHIMS = 1;

export class ShimLauncher {
  private readonly warm: ChildProcess[] = [];
  private holder: ChildProcess | undefined;
  private heldRunc: string | undefined;
  private closed = false;

  private filling = false;

  /** `gate`: awaited before the next waiting shim is forked (the fork blocks the agent's event loop ≈ 2 ms). */
  constructor(private readonly shim: string, private readonly runc: string, private readonly gate?: () => Promise<void>) {}

  /** The runc to exec: the held sealed copy once it is ready (asked for on the first call), else runc itself. */
  runcBinary(): string {
    if (!this.holder && !this.closed) this.startHolder();
    return this.heldRunc && existsSync(this.heldRunc) ? this.heldRunc : this.runc;
  }

  /** Starts a shim in `run` mode with these arguments (an argument may not contain a newline). */
  launch(args: string[]): LaunchedShim {
    const warm = args.some((a) => a.includes('\n')) ? undefined : this.takeWarm();
    let child: ChildProcess;
    if (warm) {
      child = warm;
      // In use now: it keeps the process alive until its hand-shake, like a freshly spawned shim.
      child.ref();
      (child.stdout as { ref?: () => void } | null)?.ref?.();
      child.stdin!.end(`${args.join('\n')}\n\n`);
    } else {
      child = spawn(this.shim, ['run', ...args], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    }
    const handshake = new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (d: string) => (out += d));
      child.stdout!.on('close', () => resolve(out));
      child.on('error', reject);
    });
    this.scheduleFill();
    return { child, handshake };
  }

  /** Ends the waiting shim and the runc holder (running containers and their shims are not affected). */
  close(): void {
    this.closed = true;
    for (const child of this.warm.splice(0)) child.stdin?.end();
    this.holder?.stdin?.end();
    this.holder = undefined;
    this.heldRunc = undefined;
  }

  private takeWarm(): ChildProcess | undefined {
    while (this.warm.length > 0) {
      const child = this.warm.shift()!;
      if (child.exitCode === null && child.signalCode === null && child.stdin?.writable) return child;
    }
    return undefined;
  }

  /** The replacement is forked once the gate opens (without one, at once: the agent only waits meanwhile). */
  private scheduleFill(): void {
    if (this.filling || this.closed) return;
    this.filling = true;
    void (this.gate?.() ?? new Promise<void>((resolve) => setImmediate(resolve)))
      .catch(() => undefined)
      .then(() => {
        this.filling = false;
        this.fillWarm();
      });
  }

  private fillWarm(): void {
    while (!this.closed && this.warm.length < WARM_SHIMS) {
      const child = spawn(this.shim, ['warm'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
      child.on('error', () => undefined);
      child.stdin!.on('error', () => undefined);
      child.unref();
      unrefStream(child.stdin);
      unrefStream(child.stdout);
      this.warm.push(child);
    }
  }

  private startHolder(): void {
    const runc = resolveExecutable(this.runc);
    if (!runc) return;
    const holder = spawn(this.shim, ['hold-runc', runc], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.holder = holder;
    holder.on('error', () => undefined);
    holder.stdin!.on('error', () => undefined);
    let out = '';
    holder.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = /^(\/proc\/\d+\/fd\/\d+)\n/.exec(out);
      if (line && this.holder === holder) this.heldRunc = line[1];
    });
    holder.on('exit', () => {
      if (this.holder === holder) this.heldRunc = undefined;
    });
    holder.unref();
    unrefStream(holder.stdin);
    unrefStream(holder.stdout);
  }
}

/** A pipe to a helper must not keep the agent's process alive. */
function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

/** The absolute path of an executable name, searched in PATH like execvp does. */
export function resolveExecutable(name: string): string | undefined {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).map((d) => join(d, name));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}
