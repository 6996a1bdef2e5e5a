// Audit: String(number) for numeric columns risks scientific notation
// (backfill-purchaseRequests budget, sellerOffers price.amount). Money text must be plain.
import { describe, expect, it } from 'vitest';
import { Decimal128, Double, Int32, Long } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { checkPrecision, toPlainDecimal } from '../../../src/transform/index.js';
import { thrown } from './fixtures.js';

const plain = (v: unknown): string => toPlainDecimal(v, 'test');

describe('toPlainDecimal: never scientific notation', () => {
  it('expands JS numbers whose shortest text has an exponent', () => {
    expect(String(1e21)).toBe('1e+21'); // what the old backfill would have written
    expect(plain(1e21)).toBe('1000000000000000000000');
    expect(plain(1e-7)).toBe('0.0000001');
    expect(plain(-1.5e-7)).toBe('-0.00000015');
    expect(plain(5e-324)).toBe(`0.${'0'.repeat(323)}5`);
    expect(plain(1.7976931348623157e308)).toBe(`17976931348623157${'0'.repeat(292)}`);
    expect(plain(0.1)).toBe('0.1');
    expect(plain(123.456)).toBe('123.456');
  });

  it('expands Decimal128 exponent forms', () => {
    expect(Decimal128.fromString('1.23E+5').toString()).toBe('1.23E+5');
    expect(plain(Decimal128.fromString('1.23E+5'))).toBe('123000');
    expect(plain(Decimal128.fromString('1E-30'))).toBe(`0.${'0'.repeat(29)}1`);
    expect(plain(Decimal128.fromString('-1.000E-20'))).toBe('-0.00000000000000000001');
  });

  it('expands numeric strings with exponents and normalises signs and zeros', () => {
    expect(plain('1.5E+3')).toBe('1500');
    expect(plain('1.5e-3')).toBe('0.0015');
    expect(plain('+007.50')).toBe('7.5');
    expect(plain('.5')).toBe('0.5');
    expect(plain('5.')).toBe('5');
    expect(plain('-000')).toBe('0');
  });

  it('trims trailing fractional zeros so equal amounts are equal text', () => {
    expect(plain(Decimal128.fromString('1.50'))).toBe('1.5');
    expect(plain(Decimal128.fromString('100E-2'))).toBe('1');
    expect(plain('2.000000000000000000000000')).toBe('2');
  });

  it('keeps all 34 significant digits of a Decimal128 exactly', () => {
    const digits = '1234567890123456.789012345678901234';
    expect(plain(Decimal128.fromString(digits))).toBe(digits);
    expect(plain(Decimal128.fromString('9999999999999999999999999999999999'))).toBe('9999999999999999999999999999999999');
  });

  it('turns negative zero into 0 (PostgreSQL numeric has no -0)', () => {
    expect(plain(Decimal128.fromString('-0'))).toBe('0');
    expect(plain(Decimal128.fromString('-0.00E+3'))).toBe('0');
    expect(plain(-0)).toBe('0');
    expect(plain('-0.0')).toBe('0');
  });

  it('reads Long, Int32, Double wrappers and bigint exactly', () => {
    expect(plain(Long.fromString('9007199254740993'))).toBe('9007199254740993');
    expect(plain(new Int32(-42))).toBe('-42');
    expect(plain(new Double(1e21))).toBe('1000000000000000000000');
    expect(plain(123456789012345678901234567890n)).toBe('123456789012345678901234567890');
  });

  it('rejects NaN, Infinity and non-numbers, naming where', () => {
    for (const bad of [NaN, Infinity, -Infinity, 'abc', '', '1e', '1,5', ' 1', true, {}, [], Decimal128.fromString('NaN'), Decimal128.fromString('-Infinity')]) {
      const err = thrown(() => toPlainDecimal(bad, 'payments x: column amount'));
      expect(err).toBeInstanceOf(RejectedRecord);
      expect((err as Error).message).toMatch(/^payments x: column amount: /);
    }
  });

  it('rejects absurd exponents instead of building huge strings', () => {
    expect(thrown(() => plain('1e999999999'))).toBeInstanceOf(RejectedRecord);
    expect(plain('0e999999999')).toBe('0');
  });
});

describe('checkPrecision: numeric(38,18) without rounding', () => {
  it('accepts the extremes that fit', () => {
    expect(checkPrecision(`${'9'.repeat(20)}.${'9'.repeat(18)}`)).toBe(`${'9'.repeat(20)}.${'9'.repeat(18)}`);
    expect(checkPrecision('0.000000000000000001')).toBe('0.000000000000000001');
    expect(checkPrecision('-5')).toBe('-5');
  });

  it('rejects a 19th fractional digit instead of rounding it away', () => {
    const err = thrown(() => checkPrecision('0.0000000000000000001', 38, 18, 'amount'));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toContain('refusing to round');
  });

  it('rejects a 21st integer digit', () => {
    expect(thrown(() => checkPrecision('1'.padEnd(21, '0')))).toBeInstanceOf(RejectedRecord);
    expect(thrown(() => checkPrecision(toPlainDecimal(1e21, 'x')))).toBeInstanceOf(RejectedRecord);
  });

  it('honours other shapes', () => {
    expect(checkPrecision('123456.12345678', 18, 8)).toBe('123456.12345678');
    expect(thrown(() => checkPrecision('0.123456789', 18, 8))).toBeInstanceOf(RejectedRecord);
  });
});
