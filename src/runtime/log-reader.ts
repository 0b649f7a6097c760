// Reads CRI-format container logs ("<RFC3339Nano> <stream> <P|F> <content>") across rotated files
// (`<path>.N` … `<path>.1`, then `<path>`), with the options `kubectl logs` has.
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** RFC3339Nano timestamp as written by the shim. */
  timestamp: string;
  stream: LogStream;
  /** One full line without its newline (partial P records are joined). */
  content: string;
}

export interface ReadLogsOptions {
  /** Keep reading appended lines until `signal` aborts or `isFinished()` says the writer is gone. */
  follow?: boolean;
  /** Only the last N lines (before following). */
  tail?: number;
  sinceTime?: Date;
  /** Prefix each line with its timestamp (like `kubectl logs --timestamps`). */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  stream?: LogStream | 'all';
  signal?: AbortSignal;
  /** Follow ends once this returns true and the file has been read to its end (e.g. the container exited). */
  isFinished?: () => boolean | Promise<boolean>;
  /** Rotated files to look for (default 5, like the runtime's default). */
  maxFiles?: number;
  pollIntervalMs?: number;
}

export interface ParsedLogLine {
  timestamp: string;
  stream: LogStream;
  partial: boolean;
  content: string;
}

export function parseCriLogLine(line: string): ParsedLogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return {
    timestamp: line.slice(0, a),
    stream,
    partial: tag === 'P',
    content: c < 0 ? '' : line.slice(c + 1),
  };
}

/** Joins partial records into whole lines, per stream. */
class LineAssembler {
  private readonly pending = new Map<LogStream, ParsedLogLine>();

  push(rec: ParsedLogLine): LogEntry | undefined {
    const prev = this.pending.get(rec.stream);
    const content = prev ? prev.content + rec.content : rec.content;
    const timestamp = prev ? prev.timestamp : rec.timestamp;
    if (rec.partial) {
      this.pending.set(rec.stream, { ...rec, content, timestamp });
      return undefined;
    }
    this.pending.delete(rec.stream);
    return { timestamp, stream: rec.stream, content };
  }

  /** Trailing partial lines (a process that exited without a final newline). */
  flush(): LogEntry[] {
    const out = [...this.pending.values()].map(({ timestamp, stream, content }) => ({ timestamp, stream, content }));
    this.pending.clear();
    return out;
  }
}

function rotatedPaths(path: string, maxFiles: number): string[] {
  const paths: string[] = [];
  for (let i = Math.max(maxFiles, 2) - 1; i >= 1; i--) paths.push(`${path}.${i}`);
  paths.push(path);
  return paths;
}

function wanted(entry: LogEntry, options: ReadLogsOptions): boolean {
  if (options.stream && options.stream !== 'all' && entry.stream !== options.stream) return false;
  if (options.sinceTime && Date.parse(entry.timestamp) < options.sinceTime.getTime()) return false;
  return true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Offset just past the file's last newline: a record being written is left for the forward reader. */
async function recordBoundary(handle: FileHandle): Promise<number> {
  const size = (await handle.stat()).size;
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** Lines of the first `size` bytes of a file, last line first (reads 64 KiB chunks from the end). */
async function* linesBackward(handle: FileHandle, size: number): AsyncGenerator<string> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  let rest = Buffer.alloc(0); // bytes after the last newline seen so far (start of a line not yet complete)
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    let data = Buffer.concat([chunk.subarray(0, bytesRead), rest]);
    end = start;
    let nl = data.lastIndexOf(0x0a);
    // A trailing newline ends the last line; it does not start an empty one.
    if (nl === data.length - 1 && rest.length === 0 && start + bytesRead === size) {
      data = data.subarray(0, nl);
      nl = data.lastIndexOf(0x0a);
    }
    while (nl >= 0) {
      yield data.toString('utf8', nl + 1);
      data = data.subarray(0, nl);
      nl = data.lastIndexOf(0x0a);
    }
    rest = data;
  }
  if (rest.length) yield rest.toString('utf8');
}

/**
 * The last `tail` entries from the rotated files and the first `currentSize` bytes of the current one, reading
 * backwards only as far as needed (a few KiB for `kubectl logs --tail=10` of a large log).
 */
async function tailEntries(
  current: FileHandle | undefined,
  currentSize: number,
  rotated: string[],
  options: ReadLogsOptions,
  tail: number,
  /** Keeps a trailing partial line pending (when following) so that its end joins it later. */
  assembler: LineAssembler,
  flushPartial: boolean,
): Promise<LogEntry[]> {
  const records: ParsedLogLine[] = []; // newest first
  const openPartials = new Set<LogStream>(); // streams whose earliest collected record is a P (line head missing)
  let fullLines = 0;
  const enough = () => fullLines > tail && openPartials.size === 0;
  const take = async (handle: FileHandle, size: number) => {
    for await (const line of linesBackward(handle, size)) {
      const rec = line ? parseCriLogLine(line) : undefined;
      if (!rec) continue;
      if (options.stream && options.stream !== 'all' && rec.stream !== options.stream) continue;
      records.push(rec);
      if (rec.partial) openPartials.add(rec.stream);
      else {
        openPartials.delete(rec.stream);
        fullLines++;
      }
      if (enough()) return;
    }
  };
  if (current) await take(current, currentSize);
  for (const file of [...rotated].reverse()) {
    if (enough()) break;
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      await take(handle, (await handle.stat()).size);
    } finally {
      await handle.close();
    }
  }
  const entries: LogEntry[] = [];
  for (const rec of records.reverse()) {
    const entry = assembler.push(rec);
    if (entry && wanted(entry, options)) entries.push(entry);
  }
  if (flushPartial) entries.push(...assembler.flush().filter((e) => wanted(e, options)));
  return entries.slice(Math.max(0, entries.length - tail));
}

/** Yields parsed log entries; see readLogs for formatted text. */
export async function* readLogEntries(path: string, options: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const assembler = new LineAssembler();
  const files = rotatedPaths(path, options.maxFiles ?? 5);
  const tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
  // Whole rotated files first (unless tailing); the current file is then read incrementally (and followed).
  if (tail === undefined) {
    for (const file of files.slice(0, -1)) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      for (const line of text.split('\n')) {
        const rec = line ? parseCriLogLine(line) : undefined;
        const entry = rec && assembler.push(rec);
        if (entry && wanted(entry, options)) yield entry;
      }
    }
  }

  let handle: FileHandle | undefined;
  let inode = 0;
  let position = 0;
  let carry = '';
  const openFile = async (file: string): Promise<boolean> => {
    try {
      handle = await open(file, 'r');
      inode = (await handle.stat()).ino;
      position = 0;
      carry = '';
      return true;
    } catch {
      handle = undefined;
      return false;
    }
  };
  const openCurrent = () => openFile(path);
  /** The file written after ours: ours may have been rotated more than once since we last looked. */
  const newerThanOurs = async (): Promise<string> => {
    for (let k = 1; k < files.length; k++) {
      const st = await stat(`${path}.${k}`).catch(() => undefined);
      if (st?.ino === inode) return k === 1 ? path : `${path}.${k - 1}`;
    }
    return path; // ours is gone (rotated out): continue with the current file
  };
  /** Moves to the next file if ours was rotated away; true when it did. */
  const advance = async (): Promise<boolean> => {
    const current = await stat(path).catch(() => undefined);
    if (!handle) return current ? openCurrent() : false;
    if (!current || current.ino === inode) return false;
    const next = await newerThanOurs();
    await handle.close();
    await openFile(next);
    return true;
  };
  const buffer = Buffer.alloc(256 * 1024);
  /** Reads what is new in the current file; returns the complete entries. */
  const readNew = async (): Promise<LogEntry[]> => {
    const out: LogEntry[] = [];
    if (!handle) return out;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const lines = (carry + buffer.toString('utf8', 0, bytesRead)).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const rec = line ? parseCriLogLine(line) : undefined;
        const entry = rec && assembler.push(rec);
        if (entry && wanted(entry, options)) out.push(entry);
      }
    }
    return out;
  };

  try {
    await openCurrent();
    if (tail !== undefined) {
      // Read backwards up to the current end of file, then continue forwards from there.
      const size = handle ? await recordBoundary(handle) : 0;
      for (const entry of await tailEntries(handle, size, files.slice(0, -1), options, tail, assembler, !options.follow)) yield entry;
      position = size;
    } else {
      for (const entry of await readNew()) yield entry;
      if (!options.follow) for (const entry of assembler.flush()) if (wanted(entry, options)) yield entry;
    }
    if (!options.follow) return;

    const interval = options.pollIntervalMs ?? 200;
    for (;;) {
      if (options.signal?.aborted) return;
      const fresh = await readNew();
      for (const entry of fresh) yield entry;
      if (fresh.length) continue;
      if (await advance()) continue;
      if (options.isFinished && (await options.isFinished())) {
        // The writer is gone: read to the end, through any rotation we have not followed yet.
        do {
          for (const entry of await readNew()) yield entry;
        } while (await advance());
        for (const entry of assembler.flush()) if (wanted(entry, options)) yield entry;
        return;
      }
      await sleep(interval, options.signal);
    }
  } finally {
    await handle?.close();
  }
}

/** Formats entries like `kubectl logs`: "content\n", or "timestamp content\n" with timestamps. */
export async function* readLogs(path: string, options: ReadLogsOptions = {}): AsyncGenerator<string> {
  let budget = options.limitBytes ?? Infinity;
  for await (const entry of readLogEntries(path, options)) {
    let text = options.timestamps ? `${entry.timestamp} ${entry.content}\n` : `${entry.content}\n`;
    const size = Buffer.byteLength(text);
    if (size > budget) {
      text = Buffer.from(text).subarray(0, budget).toString('utf8');
      if (text) yield text;
      return;
    }
    budget -= size;
    yield text;
    if (budget === 0) return;
  }
}
