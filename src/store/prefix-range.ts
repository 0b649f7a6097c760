/**
 * Key ranges for prefix queries. Keys compare by code point, which is also UTF-8 byte order: the order SQLite's
 * BINARY collation and etcd use.
 */

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when there is none
 * (the empty prefix, or a prefix made only of U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // Skip the surrogate block: it is not a code point a well-formed string can hold.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Code point order (= UTF-8 byte order), unlike `<` on JS strings, which compares UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
