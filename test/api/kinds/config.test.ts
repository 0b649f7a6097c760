import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMapKind } from '../../../src/api/kinds/configmap.js';
import { secretKind } from '../../../src/api/kinds/secret.js';
import { serviceAccountKind } from '../../../src/api/kinds/serviceaccount.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T00:00:30Z');
const created = '2026-01-01T00:00:00Z';

test('configmaps: keys, size, immutability and table', () => {
  const cm = obj('v1', 'ConfigMap', { data: { 'app.conf': 'x', KEY_1: 'y' }, binaryData: { blob: 'AAEC' } }, { name: 'cfg', creationTimestamp: created });
  assert.deepEqual(createCauses(configMapKind, cm), []);
  assert.deepEqual(row(configMapKind, cm, now), { Name: 'cfg', Data: 3, Age: '30s' });
  const bad = obj('v1', 'ConfigMap', { data: { 'a/b': '1', '..x': '2', dup: '3' }, binaryData: { dup: 'AA==' } });
  const causes = createCauses(configMapKind, bad);
  assert.deepEqual(fields(causes), ['data[a/b]', 'data[..x]', 'data[dup]']);
  assert.match(causes[0]!.message, /^Invalid value: "a\/b": a valid config key must consist of alphanumeric characters/);
  const old = obj('v1', 'ConfigMap', { data: { a: '1' }, immutable: true });
  const edited = obj('v1', 'ConfigMap', { data: { a: '2' }, immutable: true });
  assert.deepEqual(fields(configMapKind.validate(edited, old)), ['data']);
  const unlocked = obj('v1', 'ConfigMap', { data: { a: '1' }, immutable: false });
  assert.deepEqual(fields(configMapKind.validate(unlocked, old)), ['immutable']);
  const huge = obj('v1', 'ConfigMap', { data: { a: 'x'.repeat(1024 * 1024 + 1) } });
  assert.deepEqual(createCauses(configMapKind, huge).map((c) => c.reason), ['FieldValueTooLong']);
});

test('secrets: type default, stringData, required keys, table', () => {
  const s = obj('v1', 'Secret', { stringData: { password: 'hunter2' }, data: { user: Buffer.from('me').toString('base64') } }, { name: 'db', creationTimestamp: created });
  assert.deepEqual(createCauses(secretKind, s), []);
  assert.equal(s['type'], 'Opaque');
  assert.equal(s['stringData'], undefined);
  assert.deepEqual(s['data'], { user: 'bWU=', password: Buffer.from('hunter2').toString('base64') });
  assert.deepEqual(row(secretKind, s, now), { Name: 'db', Type: 'Opaque', Data: 2, Age: '30s' });
  assert.equal(secretKind.fieldSelectors['type']!(s), 'Opaque');
  const tls = obj('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } });
  assert.deepEqual(fields(createCauses(secretKind, tls)), ['data[tls.key]']);
  const retyped = structuredClone(s);
  retyped['type'] = 'kubernetes.io/basic-auth';
  const causes = secretKind.validate(retyped, s);
  assert.deepEqual(fields(causes), ['type']);
  assert.match(causes[0]!.message, /field is immutable$/);
});

test('service accounts', () => {
  const sa = obj('v1', 'ServiceAccount', { secrets: [{ name: 'tok' }] }, { name: 'default', creationTimestamp: created });
  assert.deepEqual(createCauses(serviceAccountKind, sa), []);
  assert.deepEqual(row(serviceAccountKind, sa, now), { Name: 'default', Secrets: 1, Age: '30s' });
  const bad = obj('v1', 'ServiceAccount', {}, { name: 'Bad_Name' });
  assert.deepEqual(fields(createCauses(serviceAccountKind, bad)), ['metadata.name']);
});
