/**
 * Field selectors as Kubernetes defines them (apimachinery `pkg/fields/selector.go`): `field=value`,
 * `field==value`, `field!=value`, comma = AND. In values `\,` `\=` and `\\` escape the three special characters.
 * Which fields a kind supports is the API server's business: see `fieldSelectorFields`.
 */
import { SelectorError } from './selector-error.js';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  /** Unescaped value. */
  readonly value: string;
}

export type FieldRequirements = readonly FieldRequirement[];

/** Reads a field of the object (e.g. 'spec.nodeName'); undefined when absent, which compares as ''. */
export type FieldGetter = (path: string) => string | undefined;

/** Splits on commas that are not escaped by a backslash. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\') i++;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const OPERATORS: FieldOperator[] = ['!=', '==', '='];

/** Finds the first unescaped operator; at one position `!=` and `==` win over `=`. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') { i++; continue; }
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Upstream UnescapeValue; throws SelectorError on `\x` with an unknown x, a trailing `\`, or a bare `,`/`=`. */
export function unescapeFieldValue(value: string, selector = value): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === undefined) throw new SelectorError('field', selector, 'invalid field selector: invalid escape sequence: \\');
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw new SelectorError('field', selector, `invalid field selector: invalid escape sequence: \\${next}`);
      }
      out += next;
      i++;
    } else if (c === ',' || c === '=') {
      throw new SelectorError('field', selector, `invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses a field selector into requirements (sorted by their text, as upstream). Empty terms are skipped, so ''
 * selects everything. Throws SelectorError (400) on a term without an operator or a bad escape.
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const terms = splitTerms(selector).sort();
  const out: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError('field', selector, `invalid selector: '${selector}'; can't understand '${term}'`);
    const [field, operator, raw] = parts;
    out.push({ field, operator, value: unescapeFieldValue(raw, selector) });
  }
  return out;
}

/** True when every requirement holds; a missing field reads as ''. */
export function fieldSelectorMatches(requirements: FieldRequirements, getField: FieldGetter): boolean {
  return requirements.every((r) => {
    const actual = getField(r.field) ?? '';
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

/** The distinct field paths used, so the server can answer 400 `field label not supported: spec.foo`. */
export function fieldSelectorFields(requirements: FieldRequirements): string[] {
  return [...new Set(requirements.map((r) => r.field))];
}

/** The field paths not in `supported`, in selector order. */
export function unsupportedFields(requirements: FieldRequirements, supported: Iterable<string>): string[] {
  const known = new Set(supported);
  return fieldSelectorFields(requirements).filter((f) => !known.has(f));
}

/** Canonical string: `field=value` / `field!=value` joined by ',' with values escaped. */
export function fieldSelectorToString(requirements: FieldRequirements): string {
  return requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}

/** If the selector pins `field` to one value (`field=v` or `field==v`), that value; used to narrow lists. */
export function requiredFieldValue(requirements: FieldRequirements, field: string): string | undefined {
  return requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
}

/** Convenience: parse + match in one go for callers that hold the raw string. */
export function matchesFieldSelector(selector: string, getField: FieldGetter): boolean {
  return fieldSelectorMatches(parseFieldSelector(selector), getField);
}

export { fieldSelectorMatches as matches };
