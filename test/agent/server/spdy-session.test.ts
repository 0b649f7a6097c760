import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constants, createDeflate, createInflate } from 'node:zlib';
import { SPDY3_DICTIONARY, SpdyServerSession, dataFrame, decodeHeaderBlock, encodeHeaderBlock, type SpdyStream } from '../../../src/agent/server/spdy-session.js';

/** A client-side compression context, as spdystream keeps one per connection. */
function compressor() {
  const z = createDeflate({ dictionary: SPDY3_DICTIONARY });
  return (block: Buffer) => new Promise<Buffer>((resolve) => {
    const out: Buffer[] = [];
    const onData = (d: Buffer) => out.push(d);
    z.on('data', onData);
    z.write(block);
    z.flush(constants.Z_SYNC_FLUSH, () => { z.off('data', onData); resolve(Buffer.concat(out)); });
  });
}

function synStream(id: number, compressedHeaders: Buffer, fin = false): Buffer {
  const body = Buffer.alloc(10);
  body.writeUInt32BE(id, 0);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt32BE(((fin ? 1 : 0) << 24) | (10 + compressedHeaders.length), 4);
  return Buffer.concat([head, body, compressedHeaders]);
}

describe('SPDY/3 server session', () => {
  test('the dictionary is the 1423-byte SPDY/3 one', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('enq=0.'));
  });

  test('header blocks round-trip', () => {
    const h = new Map([['streamtype', 'data'], ['port', '8080'], ['requestid', '0']]);
    assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock(h)), h);
  });

  test('streams: SYN_STREAM gets a SYN_REPLY, data flows both ways, FIN ends, PING is echoed', async () => {
    const sent: Buffer[] = [];
    const streams: SpdyStream[] = [];
    const received: string[] = [];
    let ended = 0;
    const session = new SpdyServerSession((b) => sent.push(b), (s) => {
      streams.push(s);
      s.onData = (d) => received.push(d.toString());
      s.onEnd = () => ended++;
    }, () => undefined);
    const compress = compressor();
    const frames = Buffer.concat([
      synStream(1, await compress(encodeHeaderBlock(new Map([['streamtype', 'error'], ['port', '80'], ['requestid', '0']]))), true),
      synStream(3, await compress(encodeHeaderBlock(new Map([['streamtype', 'data'], ['port', '80'], ['requestid', '0']])))),
      dataFrame(3, Buffer.from('GET / HTTP/1.0\r\n\r\n')),
    ]);
    // Arbitrary chunking, as WebSocket messages may split frames anywhere.
    for (let i = 0; i < frames.length; i += 7) session.receive(frames.subarray(i, i + 7));
    const ping = Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 9]);
    session.receive(ping);
    await new Promise((r) => setTimeout(r, 50));

    assert.deepEqual(streams.map((s) => [s.id, s.headers.get('streamtype')]), [[1, 'error'], [3, 'data']]);
    assert.deepEqual(received, ['GET / HTTP/1.0\r\n\r\n']);
    assert.equal(ended, 1, 'stream 1 arrived with FIN');
    const replies = sent.filter((b) => b[0] === 0x80 && b.readUInt16BE(2) === 2);
    assert.deepEqual(replies.map((b) => b.readUInt32BE(8)), [1, 3]);
    // The reply's header block inflates (with the dictionary) to an empty header set.
    const inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    const block = await new Promise<Buffer>((resolve) => {
      const out: Buffer[] = [];
      inflate.on('data', (d: Buffer) => out.push(d));
      inflate.write(replies[0]!.subarray(12));
      inflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out)));
    });
    assert.equal(decodeHeaderBlock(block).size, 0);
    assert.ok(sent.some((b) => b.equals(ping)), 'PING echoed');

    streams[1]!.write(Buffer.from('HTTP/1.0 200 OK\r\n\r\n'));
    streams[1]!.end();
    const data = sent.filter((b) => (b[0]! & 0x80) === 0);
    assert.equal(data[0]!.readUInt32BE(0), 3);
    assert.equal(data[0]!.subarray(8).toString(), 'HTTP/1.0 200 OK\r\n\r\n');
    assert.equal(data[1]![4], 1, 'FIN flag');
    assert.equal(data[1]!.readUInt32BE(4) & 0xffffff, 0);
    session.close();
  });
});
