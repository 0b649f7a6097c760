/**
 * One exec (or attach) session over an accepted remote-command WebSocket: frames ⇄ the runtime's exec streams, then
 * the exit Status on the error channel and a normal close.
 */
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { errors } from '../../api/errors.js';
import type { TerminalSize } from '../../runtime/exec.js';
import { readLogEntries } from '../../runtime/log-reader.js';
import type { AgentRuntime } from './container-resolver.js';
import { Channel, PROTOCOL_V5, exitStatus, frame, parseFrame, parseResize, type StreamOptions } from './remote-command.js';

/** A push-driven async iterable (resize events). */
class Queue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

/** A Writable that sends each chunk as one frame on `channel`, finishing a write once the socket took it. */
function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (ws.readyState !== ws.OPEN) return done();
      ws.send(frame(channel, chunk), { binary: true }, () => done());
    },
  });
}

function sendStatusAndClose(ws: WebSocket, status: object): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(frame(Channel.error, JSON.stringify(status)), { binary: true }, () => ws.close(1000));
}

interface Inputs {
  stdin?: PassThrough;
  resize: Queue<TerminalSize>;
  closed: AbortController;
}

/** Reads the client's frames: stdin data and close, resize. */
function readInputs(ws: WebSocket, protocol: string, wantStdin: boolean): Inputs {
  const stdin = wantStdin ? new PassThrough() : undefined;
  const resize = new Queue<TerminalSize>();
  const closed = new AbortController();
  ws.on('message', (message: Buffer, isBinary: boolean) => {
    const f = isBinary ? parseFrame(message) : undefined;
    if (!f) return;
    if (f.channel === Channel.stdin) stdin?.write(f.data);
    else if (f.channel === Channel.resize) {
      const size = parseResize(f.data);
      if (size) resize.push(size);
    } else if (f.channel === Channel.close && protocol === PROTOCOL_V5 && f.data[0] === Channel.stdin) stdin?.end();
  });
  ws.on('close', () => {
    stdin?.end();
    resize.end();
    closed.abort();
  });
  return { stdin, resize, closed };
}

export async function runExecSession(ws: WebSocket, protocol: string, runtime: AgentRuntime, containerId: string, options: StreamOptions, logger?: Logger): Promise<void> {
  const inputs = readInputs(ws, protocol, options.stdin);
  try {
    const code = await runtime.exec(containerId, {
      args: options.command,
      tty: options.tty,
      ...(inputs.stdin ? { stdin: inputs.stdin } : {}),
      ...(options.stdout || options.tty ? { stdout: channelWriter(ws, Channel.stdout) } : {}),
      ...(options.stderr ? { stderr: channelWriter(ws, Channel.stderr) } : {}),
      ...(options.tty ? { resize: inputs.resize } : {}),
      signal: inputs.closed.signal,
    });
    sendStatusAndClose(ws, exitStatus(code, options.command));
  } catch (err) {
    logger?.warn({ err: (err as Error).message, containerId }, 'exec failed');
    sendStatusAndClose(ws, errors.internal(`error executing command in container: ${(err as Error).message}`).toStatus());
  } finally {
    inputs.resize.end();
  }
}

/**
 * attach: the container's stdout and stderr from now on, read from its log (the runtime keeps no other handle on
 * the main process's output). Ends when the container exits or the client goes away.
 */
export async function runAttachSession(ws: WebSocket, protocol: string, runtime: AgentRuntime, containerId: string, logPath: string, options: StreamOptions): Promise<void> {
  const inputs = readInputs(ws, protocol, false);
  const out = channelWriter(ws, Channel.stdout);
  const err = options.tty ? out : channelWriter(ws, Channel.stderr);
  const write = (w: Writable, text: string) => new Promise<void>((resolve) => w.write(text, () => resolve()));
  try {
    const entries = readLogEntries(logPath, {
      follow: true, sinceTime: new Date(), signal: inputs.closed.signal,
      isFinished: () => runtime.hasExited(containerId).catch(() => true),
    });
    for await (const entry of entries) {
      if (entry.stream === 'stdout' && options.stdout) await write(out, `${entry.content}\n`);
      if (entry.stream === 'stderr' && (options.stderr || options.tty)) await write(err, `${entry.content}\n`);
    }
    const final = await runtime.state(containerId).catch(() => undefined);
    sendStatusAndClose(ws, exitStatus(final?.exitCode ?? 0, []));
  } catch (e) {
    sendStatusAndClose(ws, errors.internal(`error attaching to container: ${(e as Error).message}`).toStatus());
  }
}
