// Exact integers. Wei balances and other 64-bit counters exceed 2^53, where a JS
// double silently loses digits (audit: derivedDestinations.lastKnownBalance), so
// integers travel as bigint and a double that is already past 2^53 is rejected
// as imprecise instead of being written with invented digits.

import { RejectedRecord } from '../ops/errors.js';
import { bsonTypeOf, describeValue, ejsonWrapped, wrappedNumber } from './bson-values.js';
import { toPlainDecimal } from './decimal.js';

export const INT4_RANGE = { min: -(2n ** 31n), max: 2n ** 31n - 1n } as const;
export const INT8_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n } as const;

export interface IntegerOptions {
  /** Also accept numeric strings and Decimal128 with an integral value (how wei is usually stored). */
  readonly decimalForms: boolean;
  readonly range: { readonly min: bigint; readonly max: bigint };
  readonly sqlType: string;
}

/** Exact integer from number / Int32 / Double / Long / bigint (and, if allowed, string / Decimal128). */
export function toExactInteger(value: unknown, where: string, opts: IntegerOptions): bigint {
  const result = exact(value, where, opts);
  if (result < opts.range.min || result > opts.range.max) {
    throw new RejectedRecord(`${where}: ${result.toString()} is outside the ${opts.sqlType} range`, { where });
  }
  return result;
}

function exact(value: unknown, where: string, opts: IntegerOptions): bigint {
  if (typeof value === 'bigint') return value;
  const n = typeof value === 'number' ? value : wrappedNumber(value);
  if (n !== undefined) return fromDouble(n, value, where);
  if (bsonTypeOf(value) === 'Long') return BigInt(String(value));
  for (const key of ['$numberLong', '$numberInt'] as const) {
    const text = ejsonWrapped(value, key);
    if (typeof text === 'string' && /^-?\d+$/.test(text)) return BigInt(text);
  }
  const decimalLike = typeof value === 'string' || bsonTypeOf(value) === 'Decimal128'
    || typeof ejsonWrapped(value, '$numberDecimal') === 'string';
  if (opts.decimalForms && decimalLike) {
    const plain = toPlainDecimal(value, where);
    if (plain.includes('.')) {
      throw new RejectedRecord(`${where}: ${plain} is not a whole number`, { where });
    }
    return BigInt(plain);
  }
  throw new RejectedRecord(`${where}: ${describeValue(value)} is not an integer ${opts.sqlType} accepts`, { where });
}

function fromDouble(n: number, original: unknown, where: string): bigint {
  if (!Number.isInteger(n)) {
    throw new RejectedRecord(`${where}: ${describeValue(original)} is not a whole number`, { where });
  }
  // 2^53 itself is excluded: it is also what 2^53 + 1 rounds to.
  if (!Number.isSafeInteger(n)) {
    throw new RejectedRecord(
      `${where}: ${describeValue(original)} is beyond 2^53, where a double cannot be exact; store it as Long, Decimal128 or a string`,
      { where },
    );
  }
  return BigInt(n);
}
