import { it } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, prefixEnd } from '../../src/store/prefix-range.js';

const alphabet = ['a', 'b', '/', '\u007f', '\u00ff', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10ffff}'];

function randomKey(random: () => number, maxLength: number): string {
  let key = '';
  const length = Math.floor(random() * (maxLength + 1));
  for (let i = 0; i < length; i++) key += alphabet[Math.floor(random() * alphabet.length)];
  return key;
}

it('bounds exactly the keys that start with the prefix, in byte order', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 3000; round++) {
    const prefix = randomKey(random, 3);
    const key = random() < 0.5 ? prefix + randomKey(random, 3) : randomKey(random, 5);
    const end = prefixEnd(prefix);
    const inRange = compareKeys(key, prefix) >= 0 && (end === undefined || compareKeys(key, end) < 0);
    assert.equal(inRange, key.startsWith(prefix), `key ${JSON.stringify(key)} prefix ${JSON.stringify(prefix)} end ${JSON.stringify(end)}`);
  }
});

it('has no end for the empty prefix and skips the surrogate block', () => {
  assert.equal(prefixEnd(''), undefined);
  assert.equal(prefixEnd('\u{10ffff}'), undefined);
  assert.equal(prefixEnd('/a/'), '/a0');
  assert.equal(prefixEnd('a\u{10ffff}'), 'b');
  assert.equal(prefixEnd('\ud7ff'), '\ue000');
});
