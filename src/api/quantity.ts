/**
 * Kubernetes resource.Quantity: "100m", "1Gi", "2", "1e3", "1.5", "500Mi".
 *
 * Values are kept exactly as a BigInt count of nano-units (10^-9), which covers every suffix Kubernetes accepts;
 * anything finer than a nano-unit is rounded up, as Kubernetes does. The format (decimal SI, binary SI or decimal
 * exponent) comes from the suffix the value was written with and is kept for printing, like upstream.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    this.name = 'QuantityError';
  }
}

const NANO = 1_000_000_000n;

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([suffix, exp]) => [exp, suffix]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([suffix, exp]) => [exp, suffix]));

const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** Quantities are immutable and the same few strings ("100m", "64Mi") come back on every pod: parse each once. */
const parsedQuantities = new Map<string, Quantity>();
const PARSED_QUANTITIES_LIMIT = 4096;

function pow10(exp: number): bigint {
  return 10n ** BigInt(exp);
}

/** Division rounding the magnitude up (away from zero), as Kubernetes rounds sub-nano precision. */
function divRoundUp(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = (magnitude + denominator - 1n) / denominator;
  return negative ? -quotient : quotient;
}

export class Quantity {
  private constructor(
    /** The exact value in units of 10^-9. */
    readonly nano: bigint,
    readonly format: QuantityFormat,
  ) {}

  static parse(input: string): Quantity {
    const known = parsedQuantities.get(input);
    if (known) return known;
    const parsed = Quantity.parseUncached(input);
    if (parsedQuantities.size >= PARSED_QUANTITIES_LIMIT) parsedQuantities.clear();
    parsedQuantities.set(input, parsed);
    return parsed;
  }

  private static parseUncached(input: string): Quantity {
    const match = quantityPattern.exec(input);
    if (!match) throw new QuantityError(input);
    const [, sign, number, exponentPart, suffix = ''] = match;
    const [integerPart, fractionPart = ''] = number!.split('.');
    const digits = BigInt((integerPart || '0') + fractionPart);
    const fractionDigits = fractionPart.length;
    let nano: bigint;
    let format: QuantityFormat;
    if (exponentPart !== undefined) {
      format = 'DecimalExponent';
      nano = scaleDecimal(digits, 9 + Number(exponentPart.slice(1)) - fractionDigits);
    } else if (suffix in binarySuffixes) {
      format = 'BinarySI';
      nano = divRoundUp(digits * (1n << BigInt(binarySuffixes[suffix]!)) * NANO, pow10(fractionDigits));
    } else {
      format = 'DecimalSI';
      nano = scaleDecimal(digits, 9 + decimalSuffixes[suffix]! - fractionDigits);
    }
    return new Quantity(sign === '-' ? -nano : nano, format);
  }

  /** A quantity from a whole number of units (e.g. bytes, cores). */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** A quantity from thousandths of a unit (e.g. millicores). */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli) * 1_000_000n, format);
  }

  static fromNano(nano: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nano, format);
  }

  static readonly zero = new Quantity(0n, 'DecimalSI');

  isZero(): boolean {
    return this.nano === 0n;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nano < other.nano ? -1 : this.nano > other.nano ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nano === other.nano;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nano + other.nano, this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nano - other.nano, this.format);
  }

  /** Whole units, rounded up (Kubernetes `Value()`): "100m" → 1, "1Ki" → 1024. */
  value(): number {
    return Number(divRoundUp(this.nano, NANO));
  }

  /** Thousandths, rounded up (Kubernetes `MilliValue()`): "0.1" → 100, "1" → 1000. */
  milliValue(): number {
    return Number(divRoundUp(this.nano, 1_000_000n));
  }

  /** Approximate value as a float, for ratios (e.g. utilization). */
  asNumber(): number {
    return Number(this.nano) / 1e9;
  }

  /** Canonical form as Kubernetes prints it: "1500m", "1Gi", "1536Mi", "2k", "1e3". */
  toString(): string {
    if (this.nano === 0n) return '0';
    if (this.format === 'BinarySI') {
      const binary = formatBinary(this.nano);
      if (binary !== undefined) return binary;
    }
    return formatDecimal(this.nano, this.format === 'DecimalExponent');
  }

  toJSON(): string {
    return this.toString();
  }
}

function scaleDecimal(digits: bigint, exponent: number): bigint {
  return exponent >= 0 ? digits * pow10(exponent) : divRoundUp(digits, pow10(-exponent));
}

function formatBinary(nano: bigint): string | undefined {
  if (nano % NANO !== 0n) return undefined;
  let units = nano / NANO;
  const negative = units < 0n;
  if (negative) units = -units;
  // Kubernetes prints small binary quantities (< 1Ki) and values it cannot express in binary units as decimal.
  if (units < 1024n) return undefined;
  let exponent = 0;
  while (exponent < 60 && units % 1024n === 0n) {
    units /= 1024n;
    exponent += 10;
  }
  return `${negative ? '-' : ''}${units}${binaryByExponent.get(exponent) ?? ''}`;
}

function formatDecimal(nano: bigint, exponentStyle: boolean): string {
  const negative = nano < 0n;
  let mantissa = negative ? -nano : nano;
  let exponent = -9;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  const sign = negative ? '-' : '';
  if (exponentStyle) return exponent === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exponent}`;
  return `${sign}${mantissa}${decimalByExponent.get(exponent) ?? ''}`;
}

/** Parse, throwing QuantityError for malformed input. */
export function parseQuantity(input: string | number): Quantity {
  return Quantity.parse(String(input));
}

/** Parse, or undefined when malformed. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return Quantity.parse(String(input));
  } catch {
    return undefined;
  }
}

export function compareQuantities(a: string | Quantity, b: string | Quantity): -1 | 0 | 1 {
  const qa = typeof a === 'string' ? Quantity.parse(a) : a;
  const qb = typeof b === 'string' ? Quantity.parse(b) : b;
  return qa.cmp(qb);
}
