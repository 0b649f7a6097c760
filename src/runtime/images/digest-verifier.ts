/** A pass-through stream that hashes what flows through it and fails at the end if the digest or size is wrong. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageError } from './errors.js';

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestHex(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !hex || !/^[a-f0-9]{64}$/.test(hex)) {
    throw new ImageError('UnsupportedManifest', `unsupported digest "${digest}" (only sha256 is supported)`);
  }
  return hex;
}

export class DigestVerifier extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly expected: string,
    private readonly expectedSize: number | undefined,
    private readonly what: string,
  ) {
    super();
    digestHex(expected);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      done(new ImageError('DigestMismatch', `digest mismatch: ${this.what} ${this.expected} is larger than the ${this.expectedSize} bytes its descriptor declares`));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      done(new ImageError('DigestMismatch', `digest mismatch: ${this.what} ${this.expected} has content that hashes to ${actual} (corrupted in the registry or on the way; try again)`));
      return;
    }
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      done(new ImageError('DigestMismatch', `digest mismatch: ${this.what} ${this.expected} is ${this.bytes} bytes, its descriptor says ${this.expectedSize}`));
      return;
    }
    done();
  }
}
