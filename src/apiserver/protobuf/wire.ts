/** Protocol Buffers wire format reading (varints, length-delimited fields): just what the decoders here need. */

export interface WireField {
  number: number;
  wireType: number;
  /** Varint / fixed values as numbers (exact up to 2^53); length-delimited values as bytes. */
  value: number | Uint8Array;
}

export class WireError extends Error {}

export function* readFields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  const varint = (): number => {
    const start = pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new WireError('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return pos - start > 7 ? bigVarint(buf, start, pos) : result;
      shift += 7;
      if (shift > 63) throw new WireError('varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (number === 0) throw new WireError('field number 0');
    switch (wireType) {
      case 0:
        yield { number, wireType, value: varint() };
        break;
      case 1: {
        if (pos + 8 > buf.length) throw new WireError('truncated fixed64');
        const view = new DataView(buf.buffer, buf.byteOffset + pos, 8);
        yield { number, wireType, value: view.getFloat64(0, true) };
        pos += 8;
        break;
      }
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw new WireError('truncated length-delimited field');
        yield { number, wireType, value: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      case 5: {
        if (pos + 4 > buf.length) throw new WireError('truncated fixed32');
        const view = new DataView(buf.buffer, buf.byteOffset + pos, 4);
        yield { number, wireType, value: view.getFloat32(0, true) };
        pos += 4;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
}

/** A long varint read exactly and as a signed 64-bit value (negative int32/int64 use ten bytes). */
function bigVarint(buf: Uint8Array, start: number, end: number): number {
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 7n) | BigInt(buf[i]! & 0x7f);
  return Number(BigInt.asIntN(64, v));
}

/** Reads packed varints (repeated scalars sent packed). */
export function readPackedVarints(buf: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new WireError('truncated packed varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    out.push(result);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readString(value: number | Uint8Array): string {
  if (typeof value === 'number') throw new WireError('expected a string');
  try {
    return utf8.decode(value);
  } catch {
    throw new WireError('string is not valid UTF-8');
  }
}
