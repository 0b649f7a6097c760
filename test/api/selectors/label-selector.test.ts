import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromLabelSelector, matches, parseLabelSelector, toString, type LabelRequirement,
} from '../../../src/api/selectors/label-selector.js';
import { SelectorError } from '../../../src/api/selectors/selector-error.js';

test('parses every operator form into requirements', () => {
  const cases: Array<[string, LabelRequirement[]]> = [
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: '=', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: '==', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: '!=', values: ['b'] }]],
    ['a', [{ key: 'a', operator: 'exists', values: [] }]],
    ['!a', [{ key: 'a', operator: '!', values: [] }]],
    ['a in (y,x)', [{ key: 'a', operator: 'in', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'notin', values: ['x'] }]],
    ['a>5', [{ key: 'a', operator: 'gt', values: ['5'] }]],
    ['a<5', [{ key: 'a', operator: 'lt', values: ['5'] }]],
    ['a=', [{ key: 'a', operator: '=', values: [''] }]],
    ['a in ()', [{ key: 'a', operator: 'in', values: [''] }]],
    ['a in (x,)', [{ key: 'a', operator: 'in', values: ['', 'x'] }]],
    ['  a  =  b  ,  c  ', [{ key: 'a', operator: '=', values: ['b'] }, { key: 'c', operator: 'exists', values: [] }]],
    ['x in(a , b)', [{ key: 'x', operator: 'in', values: ['a', 'b'] }]],
    // keywords are plain identifiers in value positions
    ['a=in', [{ key: 'a', operator: '=', values: ['in'] }]],
    ['env in (in,notin)', [{ key: 'env', operator: 'in', values: ['in', 'notin'] }]],
    ['example.com/tier=front-end', [{ key: 'example.com/tier', operator: '=', values: ['front-end'] }]],
    // sorted by key
    ['z=1,a=2', [{ key: 'a', operator: '=', values: ['2'] }, { key: 'z', operator: '=', values: ['1'] }]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseLabelSelector(input), expected, input);
  }
});

test('rejects bad syntax with Kubernetes wording', () => {
  const cases: Array<[string, RegExp]> = [
    ['a in (x', /^unable to parse requirement: found '', expected: ',' or '\)'$/],
    ['a in x', /^unable to parse requirement: found 'x' expected: '\('$/],
    ['a b', /^unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'$/],
    ['a=b,', /^found '', expected: identifier after ','$/],
    ['a=b c', /^found 'c', expected: ',' or 'end of string'$/],
    ['=b', /^found '=', expected: !, identifier, or 'end of string'$/],
    ['!a=b', /^found '=', expected: ',' or 'end of string'$/],
    ['a=(b)', /^unable to parse requirement: found '\(', expected: identifier$/],
    ['a/b/c=d', /^unable to parse requirement: Invalid value: "a\/b\/c": a qualified name must consist/],
    ['-a=b', /^unable to parse requirement: Invalid value: "-a": name part must consist/],
    ['a=-b', /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/],
    [`a=${'x'.repeat(64)}`, /must be no more than 63 characters/],
    ['a>b', /for 'Gt', 'Lt' operators, the value must be an integer/],
    ['Example.com/a=b', /prefix part a lowercase RFC 1123 subdomain/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseLabelSelector(input), (e: unknown) => {
      assert.ok(e instanceof SelectorError, input);
      assert.equal(e.code, 400);
      assert.equal(e.reason, 'BadRequest');
      assert.match(e.message, message, input);
      return true;
    });
  }
});

test('matches labels, including the "absent key" rules of != and notin', () => {
  const labels = { app: 'web', tier: 'front', n: '10' };
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['app notin (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['n>9', true],
    ['n>10', false],
    ['n<11', true],
    ['app>1', false],
    ['missing>1', false],
    ['missing=', false],
  ];
  for (const [selector, expected] of cases) {
    assert.equal(matches(parseLabelSelector(selector), labels), expected, selector);
  }
  assert.equal(matches(parseLabelSelector('a!=b'), undefined), true);
  // inherited object members are not labels
  assert.equal(matches(parseLabelSelector('constructor'), {}), false);
  assert.equal(matches(parseLabelSelector('!toString'), {}), true);
  assert.equal(matches(parseLabelSelector('a'), null), false);
});

test('toString gives the canonical form', () => {
  const cases: Array<[string, string]> = [
    ['b=1,a=2', 'a=2,b=1'],
    ['a==1', 'a==1'],
    ['x in (c, a, b)', 'x in (a,b,c)'],
    ['x notin (b,a)', 'x notin (a,b)'],
    ['!x,y', '!x,y'],
    ['n>3,m<2', 'm<2,n>3'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(toString(parseLabelSelector(input)), expected);
    assert.deepEqual(parseLabelSelector(toString(parseLabelSelector(input))), parseLabelSelector(input), 'round trip');
  }
});

test('LabelSelector objects convert to the same requirements', () => {
  const sel = {
    matchLabels: { app: 'web', tier: 'front' },
    matchExpressions: [
      { key: 'env', operator: 'In', values: ['prod', 'canary'] },
      { key: 'track', operator: 'NotIn', values: ['beta'] },
      { key: 'owner', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  };
  const reqs = fromLabelSelector(sel);
  assert.equal(toString(reqs), 'app=web,env in (canary,prod),!legacy,owner,tier=front,track notin (beta)');
  assert.equal(matches(reqs, { app: 'web', tier: 'front', env: 'prod', owner: 'me' }), true);
  assert.equal(matches(reqs, { app: 'web', tier: 'front', env: 'prod', owner: 'me', legacy: 'y' }), false);
  assert.equal(matches(reqs, { app: 'web', tier: 'front', env: 'dev', owner: 'me' }), false);
  // the Scale status.selector of a typical Deployment
  assert.equal(toString(fromLabelSelector({ matchLabels: { app: 'web' } })), 'app=web');
});

test('empty LabelSelector selects everything; a missing one selects nothing', () => {
  assert.equal(matches(fromLabelSelector({}), { a: 'b' }), true);
  assert.equal(matches(fromLabelSelector({}), undefined), true);
  assert.equal(fromLabelSelector(undefined), null);
  assert.equal(matches(fromLabelSelector(null), { a: 'b' }), false);
  assert.equal(toString(null), '');
});

test('invalid LabelSelector objects throw SelectorError', () => {
  const cases: Array<[object, RegExp]> = [
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, /"Gt" is not a valid label selector operator/],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /values set can't be empty/],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /values set must be empty for exists and does not exist/],
    [{ matchLabels: { 'bad key': 'x' } }, /key: Invalid value: "bad key"/],
    [{ matchLabels: { a: 'bad value' } }, /values\[0\]\[a\]: Invalid value: "bad value"/],
  ];
  for (const [sel, message] of cases) {
    assert.throws(() => fromLabelSelector(sel as never), (e: unknown) => e instanceof SelectorError && message.test(e.message));
  }
});
