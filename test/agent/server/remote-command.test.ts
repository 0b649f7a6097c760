import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../../src/api/errors.js';
import {
  Channel, PROTOCOL_V4, PROTOCOL_V5, exitCodeOf, exitStatus, frame, offeredProtocols, parseBool, parseFrame, parseResize,
  parseStreamOptions, selectProtocol, statusBody, streamQuery,
} from '../../../src/agent/server/remote-command.js';

describe('remote-command framing', () => {
  test('a frame is the channel byte followed by the data', () => {
    assert.deepEqual([...frame(Channel.stdout, 'hi')], [1, 0x68, 0x69]);
    assert.deepEqual([...frame(Channel.close, Buffer.from([Channel.stdin]))], [255, 0]);
    assert.deepEqual([...frame(Channel.stderr)], [2]);
    const parsed = parseFrame(Buffer.from([3, 0x7b, 0x7d]));
    assert.equal(parsed?.channel, 3);
    assert.equal(parsed?.data.toString(), '{}');
    assert.equal(parseFrame(Buffer.alloc(0)), undefined);
  });

  test('protocol negotiation prefers v5, accepts v4, refuses the base64 and old ones', () => {
    assert.equal(selectProtocol([PROTOCOL_V4, PROTOCOL_V5]), PROTOCOL_V5);
    assert.equal(selectProtocol(['v4.channel.k8s.io']), PROTOCOL_V4);
    assert.equal(selectProtocol(['base64.channel.k8s.io', 'channel.k8s.io', 'v3.channel.k8s.io']), undefined);
    assert.deepEqual(offeredProtocols('v5.channel.k8s.io, v4.channel.k8s.io'), [PROTOCOL_V5, PROTOCOL_V4]);
    assert.deepEqual(offeredProtocols(undefined), []);
  });

  test('resize messages are client-go TerminalSize JSON', () => {
    assert.deepEqual(parseResize(Buffer.from('{"Width":120,"Height":40}')), { cols: 120, rows: 40 });
    assert.equal(parseResize(Buffer.from('{"Width":0,"Height":40}')), undefined);
    assert.equal(parseResize(Buffer.from('{"Width":"x"}')), undefined);
    assert.equal(parseResize(Buffer.from('not json')), undefined);
  });

  test('exit status: Success for 0, NonZeroExitCode with an ExitCode cause otherwise, and back', () => {
    const ok = exitStatus(0, ['true']);
    assert.equal(ok.status, 'Success');
    assert.equal(exitCodeOf(ok), 0);
    const failed = exitStatus(3, ['sh', '-c', 'exit 3']);
    assert.equal(failed.status, 'Failure');
    assert.equal(failed.reason, 'NonZeroExitCode');
    assert.deepEqual(failed.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(exitCodeOf(failed), 3);
    assert.equal(exitCodeOf(new ApiError(500, 'InternalError', 'boom').toStatus()), undefined);
  });
});

describe('exec/attach options', () => {
  const q = (s: string) => new URLSearchParams(s);

  test('command is repeated; booleans are Go ParseBool values', () => {
    const o = parseStreamOptions(q('command=sh&command=-c&command=echo%20a%20b&stdin=true&stdout=1&stderr=T'), 'exec');
    assert.deepEqual(o, { command: ['sh', '-c', 'echo a b'], stdin: true, stdout: true, stderr: true, tty: false });
    assert.equal(parseBool('False', 'x'), false);
    assert.throws(() => parseBool('yes', 'stdin'), /stdin: Invalid value: "yes"/);
  });

  test('a terminal merges stderr into stdout', () => {
    const o = parseStreamOptions(q('command=sh&stdin=1&stdout=1&stderr=1&tty=1'), 'exec');
    assert.equal(o.tty, true);
    assert.equal(o.stderr, false);
  });

  test('refuses what kubelet refuses', () => {
    assert.throws(() => parseStreamOptions(q('stdout=1'), 'exec'), /at least one command/);
    assert.throws(() => parseStreamOptions(q('command=ls'), 'exec'), /at least 1 of stdin, stdout, stderr/);
    assert.deepEqual(parseStreamOptions(q('stdout=1&command=ignored'), 'attach').command, []);
  });

  test('streamQuery round-trips', () => {
    const o = parseStreamOptions(q('command=a&command=b c&stdin=1&stdout=1&tty=1'), 'exec');
    assert.deepEqual(parseStreamOptions(streamQuery(o), 'exec'), o);
  });

  test('errors become Status bodies with their code', () => {
    const { code, body } = statusBody(new ApiError(404, 'NotFound', 'gone'));
    assert.equal(code, 404);
    assert.equal(JSON.parse(body).message, 'gone');
    assert.equal(statusBody(new Error('odd')).code, 500);
  });
});
