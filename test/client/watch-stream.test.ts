import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLineSplitter } from '../../src/client/watch-stream.js';

test('values split across chunks are reassembled', () => {
  const splitter = new JsonLineSplitter();
  assert.deepEqual(splitter.push('{"type":"ADD'), []);
  assert.deepEqual(splitter.push('ED","object":{}}\n{"type":"DELETED"'), [{ type: 'ADDED', object: {} }]);
  assert.deepEqual(splitter.push(',"object":{}}\n\n'), [{ type: 'DELETED', object: {} }]);
  assert.deepEqual(splitter.flush(), []);
});

test('a last line without newline is returned by flush; a malformed line throws', () => {
  const splitter = new JsonLineSplitter();
  splitter.push('{"a":1}');
  assert.deepEqual(splitter.flush(), [{ a: 1 }]);
  assert.throws(() => splitter.push('{oops}\n'), SyntaxError);
});
