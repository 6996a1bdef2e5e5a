// One column value → PostgreSQL text input (what COPY text format and `$1::type`
// accept). The value is already known to be present (not NULL / missing).

import { ObjectId } from 'bson';
import { RejectedRecord } from '../ops/errors.js';
import { describeValue, wrappedNumber } from './bson-values.js';
import { checkPrecision, toPlainDecimal } from './decimal.js';
import { uuidFor } from './identity.js';
import { INT4_RANGE, INT8_RANGE, toExactInteger } from './integer.js';
import { MONEY_PRECISION, MONEY_SCALE } from './mapping-types.js';
import type { Check, ColumnMapping } from './mapping-types.js';
import { toJsonbText, toPgText } from './pg-text.js';
import { toTimestamptz } from './timestamp.js';
import { toUuidText } from './uuid-text.js';

export function convertColumn(col: ColumnMapping, value: unknown, where: string): string {
  switch (col.type) {
    case 'text':
      return toPgText(value, where);
    case 'int':
      return checked(toExactInteger(value, where, { decimalForms: false, range: INT4_RANGE, sqlType: 'integer' }).toString(), col.check, where);
    case 'bigint':
      return checked(toExactInteger(value, where, { decimalForms: true, range: INT8_RANGE, sqlType: 'bigint' }).toString(), col.check, where);
    case 'money':
      refuseImpreciseDouble(value, where);
      return checked(checkPrecision(toPlainDecimal(value, where), MONEY_PRECISION, MONEY_SCALE, where), col.check, where);
    case 'decimal':
      return checked(checkPrecision(toPlainDecimal(value, where), col.precision ?? 38, col.scale ?? 18, where), col.check, where);
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new RejectedRecord(`${where}: expected a boolean, got ${describeValue(value)}`, { where });
      }
      return value ? 'true' : 'false';
    case 'timestamptz':
      return toTimestamptz(value, where);
    case 'uuid':
      return toUuidText(value, where);
    case 'ref':
      return toRef(col, value, where);
    case 'enum':
      return toEnum(col, value, where);
    case 'jsonb':
      return toJsonbText(value, where);
  }
}

/**
 * Money semantics: a double past 2^53 may already have lost digits when it was
 * written (a wei amount, say), so it is refused rather than stored as if exact.
 * Smaller doubles keep their shortest round-trip digits, i.e. what the writer meant.
 */
function refuseImpreciseDouble(value: unknown, where: string): void {
  const n = typeof value === 'number' ? value : wrappedNumber(value);
  if (n !== undefined && Math.abs(n) >= 2 ** 53) {
    throw new RejectedRecord(
      `${where}: ${describeValue(value)} is a double beyond 2^53, which cannot hold an amount exactly; store it as Decimal128`,
      { where },
    );
  }
}

function checked(text: string, check: Check | undefined, where: string): string {
  const negative = text.startsWith('-');
  if (check === 'positive' && (negative || text === '0')) {
    throw new RejectedRecord(`${where}: ${text} violates check positive (must be > 0)`, { where });
  }
  if (check === 'nonnegative' && negative) {
    throw new RejectedRecord(`${where}: ${text} violates check nonnegative (must be >= 0)`, { where });
  }
  return text;
}

function toRef(col: ColumnMapping, value: unknown, where: string): string {
  if (Array.isArray(value) || typeof value === 'boolean') {
    throw new RejectedRecord(`${where}: a reference must be a single id, got ${describeValue(value)}`, { where });
  }
  const id = col.acceptHexString === true && typeof value === 'string' && /^[0-9a-fA-F]{24}$/.test(value)
    ? new ObjectId(value.toLowerCase())
    : value;
  try {
    return uuidFor(col.references ?? '', id);
  } catch (err) {
    if (err instanceof RejectedRecord) throw new RejectedRecord(`${where}: ${err.message}`, { where });
    throw err;
  }
}

function toEnum(col: ColumnMapping, value: unknown, where: string): string {
  const allowed = (): string => [...(col.values?.keys() ?? [])].map((v) => JSON.stringify(v)).join(', ');
  if (typeof value !== 'string') {
    throw new RejectedRecord(`${where}: enum value must be a string, got ${describeValue(value)}; allowed: ${allowed()}`, { where });
  }
  const target = col.values?.get(value);
  if (target === undefined) {
    throw new RejectedRecord(`${where}: unknown value ${JSON.stringify(value)}; allowed: ${allowed()}`, { where });
  }
  return target;
}
