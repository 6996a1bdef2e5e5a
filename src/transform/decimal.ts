// Exact money: every numeric form MongoDB can hold becomes plain decimal text
// that PostgreSQL `numeric` accepts as is. Never through a JS number, never in
// scientific notation (audit: `String(number)` risks "1e+21"; CR-4: NULL was
// turned into '0'). Canonical form: optional '-', integer digits without
// superfluous leading zeros, and a fraction only when it is non-zero, with its
// trailing zeros trimmed ("1.50" → "1.5", "-0" → "0"). Trimming changes no value
// (numeric(38,18) pads to 18 places anyway) and makes equal amounts equal text,
// which the verifier's comparisons and money sums rely on.

import { Decimal128, Long } from 'bson';
import { RejectedRecord } from '../ops/errors.js';
import { decimal128Text, longText } from './bson-text.js';
import { bsonTypeOf, describeValue, ejsonWrapped, wrappedNumber } from './bson-values.js';

/** Guard against "1e999999999" style input expanding into megabytes of zeros. */
const MAX_PLAIN_LENGTH = 10_000;

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Plain decimal text for a Decimal128 (instance or lean `{ $numberDecimal }`),
 * Long / Int32 / Double, bigint, finite JS number (its shortest round-trip text)
 * or numeric string (exponent forms allowed). NULL handling is the caller's.
 */
export function toPlainDecimal(value: unknown, where: string): string {
  return expand(sourceText(value, where), where);
}

/** The value's own decimal text, exact where the source is exact. */
function sourceText(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return numberText(value, where);
  // Decimal128 and Long print their exact value ("1.23E+5", "9007199254740993"); this bson's the fast way.
  if (value instanceof Decimal128 && Object.getPrototypeOf(value) === Decimal128.prototype) return decimal128Text(value);
  if (value instanceof Long && Object.getPrototypeOf(value) === Long.prototype) return longText(value);
  const tag = bsonTypeOf(value);
  if (tag === 'Decimal128' || tag === 'Long') return String(value);
  const wrapped = wrappedNumber(value);
  if (wrapped !== undefined) return numberText(wrapped, where);
  for (const key of ['$numberDecimal', '$numberLong'] as const) {
    const text = ejsonWrapped(value, key);
    if (typeof text === 'string') return text;
  }
  throw new RejectedRecord(`${where}: ${describeValue(value)} is not a number`, { where });
}

/** Shortest round-trip text of a double: the digits the writer most likely meant. */
function numberText(n: number, where: string): string {
  if (!Number.isFinite(n)) {
    throw new RejectedRecord(`${where}: ${String(n)} is not a finite number`, { where });
  }
  return String(n);
}

/** Rewrite any decimal text (exponent allowed) as canonical plain digits. */
function expand(text: string, where: string): string {
  const m = DECIMAL_TEXT.exec(text);
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (m === null || intPart.length + fracPart.length === 0) {
    throw new RejectedRecord(`${where}: ${JSON.stringify(text)} is not a finite decimal number`, { where });
  }
  const negative = m[1] === '-';
  // value = digits × 10^exp10
  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') return '0'; // covers -0, 0E+3, 0.000
  let exp10 = Number(m[4] ?? '0') - fracPart.length;
  const trimmed = digits.replace(/0+$/, '');
  exp10 += digits.length - trimmed.length;
  digits = trimmed;
  if (Math.abs(exp10) + digits.length > MAX_PLAIN_LENGTH) {
    throw new RejectedRecord(`${where}: ${JSON.stringify(text)} is out of any numeric range`, { where });
  }
  let plain: string;
  if (exp10 >= 0) {
    plain = digits + '0'.repeat(exp10);
  } else {
    const fracLen = -exp10;
    plain = digits.length > fracLen
      ? `${digits.slice(0, digits.length - fracLen)}.${digits.slice(digits.length - fracLen)}`
      : `0.${'0'.repeat(fracLen - digits.length)}${digits}`;
  }
  return negative ? `-${plain}` : plain;
}

const PLAIN_TEXT = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * Reject (never round) a plain decimal that numeric(precision, scale) cannot hold
 * exactly: more than `scale` significant fractional digits, or more than
 * `precision - scale` integer digits. Returns the text for chaining.
 */
export function checkPrecision(text: string, precision = 38, scale = 18, where = 'value'): string {
  const m = PLAIN_TEXT.exec(text);
  if (m === null) {
    throw new RejectedRecord(`${where}: ${JSON.stringify(text)} is not plain decimal text`, { where });
  }
  const intDigits = (m[1] ?? '').replace(/^0+/, '').length;
  const fracDigits = (m[2] ?? '').replace(/0+$/, '').length;
  const type = `numeric(${precision},${scale})`;
  if (fracDigits > scale) {
    throw new RejectedRecord(
      `${where}: ${text} has ${fracDigits} fractional digits but ${type} keeps ${scale}; refusing to round`,
      { where },
    );
  }
  if (intDigits > precision - scale) {
    throw new RejectedRecord(
      `${where}: ${text} has ${intDigits} integer digits but ${type} allows ${precision - scale}`,
      { where },
    );
  }
  return text;
}
