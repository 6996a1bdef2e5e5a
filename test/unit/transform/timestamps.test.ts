// timestamptz text keeps milliseconds (and microseconds from ISO strings) and refuses
// invalid or ambiguous dates instead of letting PostgreSQL or Date.parse guess.
import { describe, expect, it } from 'vitest';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { toTimestamptz, transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

const ts = (v: unknown): string => toTimestamptz(v, 'test');

describe('timestamptz', () => {
  it('writes Dates as UTC ISO-8601 with milliseconds', () => {
    expect(ts(new Date('2024-01-02T03:04:05.678Z'))).toBe('2024-01-02T03:04:05.678Z');
    expect(ts(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02T03:04:05.000Z');
    expect(transform(paymentsMapping(), payment()).created_at).toBe('2024-01-02T03:04:05.678Z');
  });

  it('accepts ISO strings with a zone, normalised to UTC, keeping microseconds', () => {
    expect(ts('2024-01-02T05:04:05.678+02:00')).toBe('2024-01-02T03:04:05.678Z');
    expect(ts('2024-01-02T03:04Z')).toBe('2024-01-02T03:04:00.000Z');
    expect(ts('2024-01-02T03:04:05.678912Z')).toBe('2024-01-02T03:04:05.678912Z');
    expect(ts('2024-12-31T23:30:00-01:00')).toBe('2025-01-01T00:30:00.000Z');
    expect(ts('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
  });

  it('accepts lean { $date } in both Extended JSON forms', () => {
    expect(ts({ $date: '2024-01-02T03:04:05.678Z' })).toBe('2024-01-02T03:04:05.678Z');
    expect(ts({ $date: { $numberLong: '1704164645678' } })).toBe('2024-01-02T03:04:05.678Z');
  });

  it.each([
    ['an invalid Date', new Date('nope')],
    ['a calendar day that does not exist', '2024-02-30T00:00:00Z'],
    ['a string without a zone', '2024-01-02T03:04:05'],
    ['a date-only string', '2024-01-02'],
    ['nanoseconds PostgreSQL would round', '2024-01-02T03:04:05.123456789Z'],
    ['epoch milliseconds (seconds or ms?)', 1704164645678],
    ['a year beyond 9999', new Date(Date.UTC(10000, 0, 1))],
    ['a year before 0001', new Date(Date.UTC(-1, 0, 1))],
  ])('rejects %s', (_label, value) => {
    expect(thrown(() => ts(value))).toBeInstanceOf(RejectedRecord);
  });

  it('rejects an invalid createdAt with a reason naming the column', () => {
    const err = thrown(() => transform(paymentsMapping(), payment({ createdAt: new Date(NaN) })));
    expect((err as Error).message).toBe(
      'payments {"$oid":"65a1b2c3d4e5f60718293a4b"}: column created_at (path createdAt): Date Invalid Date is not a valid date',
    );
  });
});
