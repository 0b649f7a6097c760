/**
 * Label selectors as Kubernetes defines them (apimachinery `pkg/labels/selector.go`): the string form used in
 * `?labelSelector=` and the object form (`matchLabels` + `matchExpressions`) used in specs, both turned into one
 * list of requirements that are ANDed.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelKeyErrors, labelValueErrors } from './label-syntax.js';
import { SelectorError } from './selector-error.js';

/** Operators with their upstream spellings (`selection.Operator`). */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Empty for exists / !; one value for =, ==, !=, gt, lt; one or more for in / notin. */
  readonly values: readonly string[];
}

/** ANDed requirements; an empty list selects everything. */
export type LabelRequirements = readonly LabelRequirement[];

export type Labels = Readonly<Record<string, string>> | undefined | null;

// ---------------------------------------------------------------------------------------------------------------
// Matching and printing

export function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  const has = labels != null && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : '';
  switch (r.operator) {
    case '=': case '==': case 'in':
      return has && r.values.includes(value);
    case '!=': case 'notin':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || !/^[-+]?\d+$/.test(value)) return false;
      const actual = BigInt(value);
      const bound = BigInt(r.values[0]!);
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** True when `labels` satisfies every requirement. `null` requirements (a nil selector object) match nothing. */
export function matches(requirements: LabelRequirements | null, labels: Labels): boolean {
  if (requirements === null) return false;
  return requirements.every((r) => requirementMatches(r, labels));
}

export function requirementToString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': return `${r.key} in (${values})`;
    case 'notin': return `${r.key} notin (${values})`;
    case 'gt': return `${r.key}>${values}`;
    case 'lt': return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

/** Canonical string form (requirements sorted by key), e.g. the autoscaling/v1 Scale `status.selector`. */
export function toString(requirements: LabelRequirements | null): string {
  if (requirements === null) return '';
  return sortByKey(requirements).map(requirementToString).join(',');
}

function sortByKey(requirements: LabelRequirements): LabelRequirement[] {
  return [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------------
// Building requirements (NewRequirement): validates key, operator arity and values.

/** Returns the requirement, or the problems (worded as Kubernetes does) when it is invalid. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement | string[] {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  const shown = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(`values: Invalid value: ${shown}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(`values: Invalid value: ${shown}: exact-match compatibility requires one single value`);
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(`values: Invalid value: ${shown}: values set must be empty for exists and does not exist`);
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(`values: Invalid value: ${shown}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!/^[-+]?\d+$/.test(v)) errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${valueErrs.join('; ')}`);
  });
  return errs.length ? errs : { key, operator, values: [...values] };
}

function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// The object form (metav1.LabelSelector)

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = {
  In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: `null`/`undefined` selects nothing (returns null); `{}` selects everything.
 * Throws SelectorError on an unknown operator or invalid keys/values.
 */
export function fromLabelSelector(selector: LabelSelector | null | undefined): LabelRequirement[] | null {
  if (selector == null) return null;
  const out: LabelRequirement[] = [];
  const text = JSON.stringify(selector);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const r = newRequirement(key, '=', [value]);
    if (Array.isArray(r)) throw new SelectorError('label', text, aggregate(r));
    out.push(r);
  }
  for (const expr of selector.matchExpressions ?? []) {
    const op = Object.hasOwn(EXPRESSION_OPERATORS, expr.operator) ? EXPRESSION_OPERATORS[expr.operator] : undefined;
    if (!op) throw new SelectorError('label', text, `${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const r = newRequirement(expr.key, op, expr.values ?? []);
    if (Array.isArray(r)) throw new SelectorError('label', text, aggregate(r));
    out.push(r);
  }
  return sortByKey(out);
}

// ---------------------------------------------------------------------------------------------------------------
// The string form: a lexer and a recursive-descent parser following apimachinery's grammar and messages.

type TokenKind =
  | 'identifier' | 'in' | 'notin' | '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' | 'end' | 'error';

interface Token { kind: TokenKind; literal: string }

const SYMBOLS = new Set(['!', '!=', '(', ')', ',', '=', '==', '>', '<']);
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < input.length && isWhitespace(input[i]!)) i++;
    if (i >= input.length) {
      tokens.push({ kind: 'end', literal: '' });
      return tokens;
    }
    if (isSpecial(input[i]!)) {
      // Longest run of symbol characters that is still a known operator.
      let buffer = '';
      let last: Token | undefined;
      while (i < input.length && isSpecial(input[i]!)) {
        const next = buffer + input[i]!;
        if (SYMBOLS.has(next)) {
          buffer = next;
          last = { kind: next as TokenKind, literal: next };
          i++;
        } else if (last) {
          break;
        } else {
          buffer = next;
          i++;
        }
      }
      tokens.push(last ?? { kind: 'error', literal: `error expected: keyword found '${buffer}'` });
      continue;
    }
    const start = i;
    while (i < input.length && !isWhitespace(input[i]!) && !isSpecial(input[i]!)) i++;
    const word = input.slice(start, i);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'identifier', literal: word });
  }
}

class ParseFailure extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In a value position the keywords `in` and `notin` are plain identifiers. */
  private lookahead(values: boolean): Token {
    const t = this.tokens[this.position]!;
    return values && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'identifier', literal: t.literal } : t;
  }

  private consume(values: boolean): Token {
    const t = this.lookahead(values);
    if (this.position < this.tokens.length - 1) this.position++;
    return t;
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const t = this.lookahead(true);
      if (t.kind === 'end') return out;
      if (t.kind !== 'identifier' && t.kind !== '!') {
        throw new ParseFailure(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        out.push(this.parseRequirement());
      } catch (e) {
        if (e instanceof ParseFailure) throw new ParseFailure(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const next = this.consume(true);
      if (next.kind === 'end') return out;
      if (next.kind !== ',') throw new ParseFailure(`found '${next.literal}', expected: ',' or 'end of string'`);
      const after = this.lookahead(true);
      if (after.kind !== 'identifier' && after.kind !== '!') {
        throw new ParseFailure(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    let t = this.consume(true);
    let operator: LabelOperator | undefined;
    if (t.kind === '!') {
      operator = '!';
      t = this.consume(true);
    }
    if (t.kind !== 'identifier') throw new ParseFailure(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) throw new ParseFailure(`Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    const ahead = this.lookahead(true).kind;
    if (operator === undefined && (ahead === 'end' || ahead === ',')) operator = 'exists';
    if (operator === undefined) {
      operator = this.parseOperator();
      const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
      return this.build(key, operator, values);
    }
    return this.build(key, operator, []);
  }

  private build(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
    const r = newRequirement(key, operator, values);
    if (Array.isArray(r)) throw new ParseFailure(aggregate(r));
    return r;
  }

  private parseOperator(): LabelOperator {
    const t = this.consume(false);
    switch (t.kind) {
      case '!': return '!';
      case '=': return '=';
      case '==': return '==';
      case '!=': return '!=';
      case 'in': return 'in';
      case 'notin': return 'notin';
      case '>': return 'gt';
      case '<': return 'lt';
      default: throw new ParseFailure(`found '${t.literal}', expected: '=', '!=', '==', 'in', notin'`);
    }
  }

  private parseExactValue(): string[] {
    const ahead = this.lookahead(true);
    if (ahead.kind === 'end' || ahead.kind === ',') return [''];
    const t = this.consume(true);
    if (t.kind === 'identifier') return [t.literal];
    throw new ParseFailure(`found '${t.literal}', expected: identifier`);
  }

  /** `( v1, v2 )`; empty members such as `(a,)` stand for the empty value, as upstream. Returned sorted, unique. */
  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.kind !== '(') throw new ParseFailure(`found '${open.literal}' expected: '('`);
    const first = this.lookahead(true);
    if (first.kind === ')') {
      this.consume(true);
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== ',') {
      throw new ParseFailure(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const set = new Set<string>();
    for (;;) {
      const t = this.consume(true);
      if (t.kind === 'identifier') {
        set.add(t.literal);
        const next = this.lookahead(true);
        if (next.kind === ',') continue;
        if (next.kind === ')') break;
        throw new ParseFailure(`found '${next.literal}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (set.size === 0) set.add('');
        const next = this.lookahead(true);
        if (next.kind === ')') { set.add(''); break; }
        if (next.kind === ',') { this.consume(true); set.add(''); }
      } else {
        throw new ParseFailure(`found '${t.literal}', expected: ',', or identifier`);
      }
    }
    const close = this.consume(true);
    if (close.kind !== ')') throw new ParseFailure(`found '${close.literal}', expected: ')'`);
    return [...set].sort();
  }
}

/**
 * Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k` (also `==`, `>`, `<`) into requirements sorted by key.
 * Throws SelectorError (400) with Kubernetes' message, e.g. `unable to parse requirement: found '', expected: …`.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  try {
    return sortByKey(new Parser(lex(selector)).parse());
  } catch (e) {
    if (e instanceof ParseFailure) throw new SelectorError('label', selector, e.message);
    throw e;
  }
}

export { toString as labelSelectorToString, matches as labelSelectorMatches };
