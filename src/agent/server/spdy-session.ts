/**
 * The server half of a SPDY/3 session, as much of it as kubectl port-forward uses: kubectl 1.31+ tunnels SPDY
 * inside a WebSocket (subprotocol `SPDY/3.1+portforward.k8s.io`) and opens a pair of streams (error, data) per
 * forwarded connection. Frames: SYN_STREAM → SYN_REPLY, DATA (FIN half-closes), RST_STREAM, PING (echoed), GOAWAY.
 * SETTINGS, WINDOW_UPDATE and HEADERS are ignored (kubectl's spdystream does no flow control).
 * Header blocks are zlib-compressed with the SPDY/3 dictionary, one compression context per direction.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

const VERSION = 3;
const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
const FLAG_FIN = 0x01;
export const RST_CANCEL = 5;
export const RST_PROTOCOL_ERROR = 1;

const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version',
  'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TEXT = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505'
  + '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden'
  + '404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable'
  + 'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT'
  + 'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,'
  + 'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): length-prefixed words, then text. */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, 'latin1');
    return b;
  }),
  Buffer.from(DICTIONARY_TEXT, 'latin1'),
]);

export type Headers = Map<string, string>;

export interface SpdyStream {
  id: number;
  headers: Headers;
  /** Called with data from the peer. */
  onData?: (data: Buffer) => void;
  /** Called once when the peer half-closes (FIN) or resets the stream. */
  onEnd?: () => void;
  /** Sends data to the peer. */
  write(data: Buffer): void;
  /** Half-closes our side (FIN). */
  end(): void;
  reset(status?: number): void;
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

/** Encodes a header block (before compression). */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [k, v] of headers) {
    const key = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(key.length), key, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const headers: Headers = new Map();
  let at = 0;
  const read = (): Buffer => {
    const n = block.readUInt32BE(at);
    at += 4;
    const out = block.subarray(at, at + n);
    if (out.length !== n) throw new Error('truncated SPDY header block');
    at += n;
    return out;
  };
  const count = block.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    const key = read().toString('utf8').toLowerCase();
    // Several values of one header are NUL-separated; the first is enough here.
    headers.set(key, read().toString('utf8').split('\0')[0] ?? '');
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** Runs `chunk` through a long-lived zlib context and returns what a sync flush yields. */
function pump(stream: Deflate | Inflate, chunk: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (d: Buffer) => out.push(d);
    const onError = (err: Error) => {
      stream.off('data', onData);
      reject(err);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(chunk);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

export class SpdyServerSession {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private readonly deflate = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  /** Frames are handled strictly in order (header decompression is asynchronous). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly onStream: (stream: SpdyStream) => void,
    private readonly onClose: (reason: string) => void,
  ) {}

  /** Bytes from the peer (any chunking). */
  receive(bytes: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, bytes]) : bytes;
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt32BE(4) & 0xffffff;
      if (this.buffer.length < 8 + length) break;
      const frame = this.buffer.subarray(0, 8 + length);
      this.buffer = this.buffer.subarray(8 + length);
      this.queue = this.queue.then(() => this.handle(frame)).catch((err: Error) => this.close(`SPDY protocol error: ${err.message}`));
    }
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onEnd?.();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.onClose(reason);
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = frame[4]!;
    const body = frame.subarray(8);
    if ((frame[0]! & 0x80) === 0) {
      const stream = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
      if (!stream) return;
      if (body.length > 0) stream.onData?.(Buffer.from(body));
      if (flags & FLAG_FIN) stream.onEnd?.();
      return;
    }
    const version = frame.readUInt16BE(0) & 0x7fff;
    if (version !== VERSION) throw new Error(`unsupported SPDY version ${version}`);
    switch (frame.readUInt16BE(2)) {
      case TYPE.synStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await pump(this.inflate, body.subarray(10)));
        const stream = this.newStream(id, headers);
        this.streams.set(id, stream);
        await this.reply(id);
        this.onStream(stream);
        if (flags & FLAG_FIN) stream.onEnd?.();
        return;
      }
      case TYPE.rstStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const stream = this.streams.get(id);
        this.streams.delete(id);
        stream?.onEnd?.();
        return;
      }
      case TYPE.ping:
        this.write(frame);
        return;
      case TYPE.goAway:
        this.close('the client ended the session');
        return;
      case TYPE.headers:
        await pump(this.inflate, body.subarray(4)); // keep the compression context in step
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, NOOP
    }
  }

  private async reply(id: number): Promise<void> {
    const block = await pump(this.deflate, encodeHeaderBlock(new Map()));
    this.write(controlFrame(TYPE.synReply, 0, Buffer.concat([u32(id), block])));
  }

  private newStream(id: number, headers: Headers): SpdyStream {
    let finSent = false;
    return {
      id, headers,
      write: (data) => {
        if (!finSent && data.length) this.write(dataFrame(id, data));
      },
      end: () => {
        if (finSent) return;
        finSent = true;
        this.write(dataFrame(id, Buffer.alloc(0), true));
      },
      reset: (status = RST_CANCEL) => {
        finSent = true;
        this.streams.delete(id);
        this.write(controlFrame(TYPE.rstStream, 0, Buffer.concat([u32(id), u32(status)])));
      },
    };
  }

  private write(bytes: Buffer): void {
    if (!this.closed) this.send(bytes);
  }
}
