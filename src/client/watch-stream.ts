import type { Status } from '../api/errors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event of a watch stream. For ERROR the object is a Status; for BOOKMARK only metadata.resourceVersion is meaningful. */
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export type ErrorWatchEvent = { type: 'ERROR'; object: Status };

/** Splits a byte stream into newline-delimited JSON values; tolerant of chunk boundaries anywhere. */
export class JsonLineSplitter {
  private pending = '';

  /** Feeds a chunk and returns the complete values it finished. Throws SyntaxError on a malformed line. */
  push(chunk: string): unknown[] {
    this.pending += chunk;
    const values: unknown[] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line) values.push(JSON.parse(line));
    }
    return values;
  }

  /** Whatever is left when the stream ends (a last line without a newline). */
  flush(): unknown[] {
    const line = this.pending.trim();
    this.pending = '';
    return line ? [JSON.parse(line)] : [];
  }
}
