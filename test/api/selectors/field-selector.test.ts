import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeFieldValue, fieldSelectorFields, fieldSelectorMatches, fieldSelectorToString, parseFieldSelector,
  requiredFieldValue, unsupportedFields, type FieldRequirement,
} from '../../../src/api/selectors/field-selector.js';
import { SelectorError } from '../../../src/api/selectors/selector-error.js';

test('parses =, == and != terms with escapes', () => {
  const cases: Array<[string, FieldRequirement[]]> = [
    ['', []],
    ['metadata.name=web', [{ field: 'metadata.name', operator: '=', value: 'web' }]],
    ['metadata.name==web', [{ field: 'metadata.name', operator: '==', value: 'web' }]],
    ['status.phase!=Running', [{ field: 'status.phase', operator: '!=', value: 'Running' }]],
    ['spec.nodeName=', [{ field: 'spec.nodeName', operator: '=', value: '' }]],
    ['a=x\\,y', [{ field: 'a', operator: '=', value: 'x,y' }]],
    ['a=x\\=y', [{ field: 'a', operator: '=', value: 'x=y' }]],
    ['a=x\\\\y', [{ field: 'a', operator: '=', value: 'x\\y' }]],
    ['a=1,,b=2', [{ field: 'a', operator: '=', value: '1' }, { field: 'b', operator: '=', value: '2' }]],
    // sorted by term text, as upstream
    ['b=2,a=1', [{ field: 'a', operator: '=', value: '1' }, { field: 'b', operator: '=', value: '2' }]],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseFieldSelector(input), expected, input);
});

test('the kubectl describe events selector parses', () => {
  const reqs = parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=1234');
  assert.deepEqual(fieldSelectorFields(reqs), ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid']);
});

test('rejects bad selectors with Kubernetes wording', () => {
  const cases: Array<[string, string]> = [
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\n', 'invalid field selector: invalid escape sequence: \\n'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseFieldSelector(input), (e: unknown) => {
      assert.ok(e instanceof SelectorError);
      assert.equal(e.code, 400);
      assert.equal(e.message, message);
      return true;
    }, input);
  }
});

test('matches against a field getter; missing fields read as empty', () => {
  const pod: Record<string, string | undefined> = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': undefined };
  const get = (path: string) => pod[path];
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['status.phase!=Running', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['metadata.name=web,status.phase=Running', true],
    ['metadata.name=web,status.phase=Pending', false],
  ];
  for (const [selector, expected] of cases) {
    assert.equal(fieldSelectorMatches(parseFieldSelector(selector), get), expected, selector);
  }
  assert.equal(fieldSelectorMatches(parseFieldSelector('a=x\\,y'), () => 'x,y'), true);
});

test('lists fields so the server can reject unsupported ones', () => {
  const reqs = parseFieldSelector('spec.foo=1,metadata.name=a,spec.foo!=2');
  assert.deepEqual(fieldSelectorFields(reqs), ['metadata.name', 'spec.foo']);
  assert.deepEqual(unsupportedFields(reqs, ['metadata.name', 'metadata.namespace']), ['spec.foo']);
  assert.equal(requiredFieldValue(reqs, 'metadata.name'), 'a');
  assert.equal(requiredFieldValue(reqs, 'spec.foo'), '1');
  assert.equal(requiredFieldValue(parseFieldSelector('spec.foo!=1'), 'spec.foo'), undefined);
});

test('toString escapes and round-trips', () => {
  assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  for (const input of ['a=x\\,y', 'metadata.name=web,status.phase!=Failed', 'a=']) {
    const reqs = parseFieldSelector(input);
    assert.deepEqual(parseFieldSelector(fieldSelectorToString(reqs)).map((r) => [r.field, r.operator === '!=', r.value]),
      reqs.map((r) => [r.field, r.operator === '!=', r.value]));
  }
});
