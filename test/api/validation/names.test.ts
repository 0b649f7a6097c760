import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNumber,
} from '../../../src/api/validation/names.js';

test('DNS-1123 labels and subdomains', () => {
  for (const ok of ['a', 'abc-123', '0', 'a'.repeat(63)]) assert.deepEqual(isDns1123Label(ok), [], ok);
  for (const bad of ['', 'A', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64)]) assert.notDeepEqual(isDns1123Label(bad), [], bad);
  assert.match(isDns1123Label('Web')[0]!, /^a lowercase RFC 1123 label must consist of/);
  assert.deepEqual(isDns1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  for (const ok of ['example.com', 'a.b-c.d', 'a'.repeat(253)]) assert.deepEqual(isDns1123Subdomain(ok), [], ok);
  for (const bad of ['', 'Example.com', 'a..b', '.a', 'a.', 'a_b', 'a'.repeat(254)]) assert.notDeepEqual(isDns1123Subdomain(bad), [], bad);
  assert.deepEqual(isDns1035Label('my-svc'), []);
  assert.notDeepEqual(isDns1035Label('1svc'), []);
});

test('label keys and values', () => {
  for (const ok of ['app', 'app.kubernetes.io/name', 'A_b.c-D', 'example.com/x']) assert.deepEqual(isQualifiedName(ok), [], ok);
  assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty']);
  assert.match(isQualifiedName('Example.com/x')[0]!, /^prefix part a lowercase RFC 1123 subdomain/);
  assert.match(isQualifiedName('a/b/c')[0]!, /^a qualified name must consist of/);
  assert.match(isQualifiedName('-x')[0]!, /^name part must consist of/);
  assert.deepEqual(isQualifiedName('x'.repeat(64)), ['name part must be no more than 63 characters']);
  for (const ok of ['', 'v1', 'my_value', 'a.b-c']) assert.deepEqual(isValidLabelValue(ok), [], ok);
  for (const bad of ['-a', 'a b', 'a/b', 'x'.repeat(64)]) assert.notDeepEqual(isValidLabelValue(bad), [], bad);
});

test('ports', () => {
  assert.deepEqual(isValidPortNumber(1), []);
  assert.deepEqual(isValidPortNumber(65535), []);
  assert.deepEqual(isValidPortNumber(0), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortNumber(65536), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('http-2'), []);
  assert.notDeepEqual(isValidPortName('8080'), []);
  assert.notDeepEqual(isValidPortName('a--b'), []);
  assert.notDeepEqual(isValidPortName('way-too-long-port-name'), []);
  assert.notDeepEqual(isValidPortName('HTTP'), []);
});
