import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, QuantityError, compareQuantities, parseQuantity, tryParseQuantity } from '../../src/api/quantity.js';

test('parses every suffix form to exact values', () => {
  const cases: Array<[string, number, number]> = [
    // input, milliValue, value (rounded up)
    ['100m', 100, 1],
    ['1', 1000, 1],
    ['2', 2000, 2],
    ['1.5', 1500, 2],
    ['.5', 500, 1],
    ['1k', 1_000_000, 1000],
    ['1M', 1_000_000_000, 1_000_000],
    ['1Ki', 1_024_000, 1024],
    ['1Mi', 1_048_576_000, 1_048_576],
    ['1Gi', 1_073_741_824_000, 1_073_741_824],
    ['0.5Gi', 536_870_912_000, 536_870_912],
    ['1e3', 1_000_000, 1000],
    ['1E3', 1_000_000, 1000],
    ['5e-3', 5, 1],
    ['+2', 2000, 2],
    ['-1', -1000, -1],
    ['250u', 1, 1],
    ['0', 0, 0],
  ];
  for (const [input, milli, value] of cases) {
    const q = parseQuantity(input);
    assert.equal(q.milliValue(), milli, `${input} milli`);
    assert.equal(q.value(), value, `${input} value`);
  }
});

test('sub-nano precision rounds up like Kubernetes', () => {
  assert.equal(parseQuantity('0.1n').nano, 1n);
  assert.equal(parseQuantity('1.0000000001').nano, 1_000_000_001n);
});

test('prints the canonical form in the format it was written in', () => {
  const cases: Array<[string, string]> = [
    ['100m', '100m'], ['1.5', '1500m'], ['2000m', '2'], ['1000', '1k'], ['1500', '1500'],
    ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['0.5Ki', '512'], ['1536', '1536'],
    ['1e3', '1e3'], ['1000e-3', '1'], ['0.1', '100m'], ['0', '0'], ['-500m', '-500m'], ['1E', '1E'], ['12Ei', '12Ei'],
  ];
  for (const [input, printed] of cases) assert.equal(parseQuantity(input).toString(), printed, input);
  assert.equal(JSON.stringify({ q: parseQuantity('1024Ki') }), '{"q":"1Mi"}');
});

test('rejects malformed quantities', () => {
  for (const bad of ['', ' 1', '1 ', 'abc', '1.2.3', '1Kb', '1kk', 'm', '1e', '--1', '1Ki1', '0x10']) {
    assert.throws(() => parseQuantity(bad), QuantityError, bad);
    assert.equal(tryParseQuantity(bad), undefined, bad);
  }
  assert.equal(tryParseQuantity(undefined), undefined);
  assert.equal(tryParseQuantity({}), undefined);
  assert.equal(tryParseQuantity(3)?.milliValue(), 3000);
});

test('compares and adds across formats', () => {
  assert.equal(compareQuantities('1', '1000m'), 0);
  assert.equal(compareQuantities('1Ki', '1k'), 1);
  assert.equal(compareQuantities('999m', '1'), -1);
  assert.equal(compareQuantities('1e3', '1k'), 0);
  assert.ok(parseQuantity('1Gi').equals(parseQuantity('1024Mi')));
  const sum = parseQuantity('500m').add(parseQuantity('1.5'));
  assert.equal(sum.toString(), '2');
  assert.equal(parseQuantity('1Gi').sub(parseQuantity('512Mi')).toString(), '512Mi');
  assert.equal(Quantity.fromMilli(250).toString(), '250m');
  assert.equal(Quantity.fromValue(2048, 'BinarySI').toString(), '2Ki');
  assert.equal(Quantity.zero.isZero(), true);
  assert.equal(parseQuantity('250m').asNumber(), 0.25);
});
