// A node's small state files (container and network records, image metadata, a pod's /etc files) on local
// disk, read and written with synchronous calls. Each is a few microseconds of system calls; through the promise
// API every call also costs a thread-pool round trip and an event-loop turn (0.3–1 ms on a busy agent), and a
// pod start touches a dozen of these files one after another.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

let tmpCounter = 0;

/** The parsed JSON of `path`, or undefined when it is missing or not JSON. */
export function readJsonFile<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Replaces `path` at once (a temporary file renamed over it): readers see the old or the new content. */
export function writeFileAtomic(path: string, data: string, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}
