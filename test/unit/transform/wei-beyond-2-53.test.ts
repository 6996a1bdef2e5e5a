// Audit: derivedDestinations.lastKnownBalance went through a JS Number and lost
// precision above 2^53 for wei. Exact sources stay exact; a double already past
// 2^53 is rejected as imprecise.
import { describe, expect, it } from 'vitest';
import { BSON, Decimal128, Double, Long } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { mappingFromYaml, transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

const balances = mappingFromYaml(`collection: derivedDestinations
table: derived_destinations
key: { column: id }
extra: extra
columns:
  - { column: last_known_balance, path: lastKnownBalance, type: bigint, nullable: true, check: nonnegative }
  - { column: balance_decimal, path: balanceDecimal, type: decimal, nullable: true }
  - { column: confirmations, path: confirmations, type: int, nullable: true }
`, 'derivedDestinations.yaml');

const doc = (fields: Record<string, unknown>): Record<string, unknown> => ({ _id: 'dest-1', ...fields });

describe('wei beyond 2^53', () => {
  const beyondInt8 = '12345678901234567890'; // 12.3 ETH in wei: more than bigint holds
  const int8Max = '9223372036854775807';

  it('keeps a Long exact, even after a BSON round trip with default decoding', () => {
    const bytes = BSON.serialize({ _id: 'dest-1', lastKnownBalance: Long.fromString('9007199254740993') });
    const decoded = BSON.deserialize(bytes);
    expect(transform(balances, decoded).last_known_balance).toBe('9007199254740993');
    expect(transform(balances, doc({ lastKnownBalance: Long.fromString(int8Max) })).last_known_balance).toBe(int8Max);
  });

  it('keeps numeric strings, bigint and integral Decimal128 exact', () => {
    expect(transform(balances, doc({ lastKnownBalance: '9007199254740993' })).last_known_balance).toBe('9007199254740993');
    expect(transform(balances, doc({ lastKnownBalance: 9007199254740993n })).last_known_balance).toBe('9007199254740993');
    expect(transform(balances, doc({ lastKnownBalance: Decimal128.fromString('9.007199254740993E+15') })).last_known_balance)
      .toBe('9007199254740993');
  });

  it('rejects a JS double beyond 2^53 as imprecise', () => {
    const err = thrown(() => transform(balances, doc({ lastKnownBalance: 2 ** 53 + 2 })));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toMatch(/column last_known_balance .* beyond 2\^53/);
    expect(thrown(() => transform(balances, doc({ lastKnownBalance: new Double(1e20) })))).toBeInstanceOf(RejectedRecord);
    expect(transform(balances, doc({ lastKnownBalance: 2 ** 53 - 1 })).last_known_balance).toBe('9007199254740991');
  });

  it('rejects values outside bigint and fractional values, never truncating', () => {
    expect((thrown(() => transform(balances, doc({ lastKnownBalance: beyondInt8 }))) as Error).message).toContain('outside the bigint range');
    expect((thrown(() => transform(balances, doc({ lastKnownBalance: '1.5' }))) as Error).message).toContain('not a whole number');
    expect((thrown(() => transform(balances, doc({ lastKnownBalance: '-1' }))) as Error).message).toContain('violates check nonnegative');
  });

  it('holds wei beyond bigint in a decimal column exactly', () => {
    expect(transform(balances, doc({ balanceDecimal: beyondInt8 })).balance_decimal).toBe(beyondInt8);
    expect(transform(balances, doc({ balanceDecimal: Decimal128.fromString('1.2345678901234567890E+19') })).balance_decimal)
      .toBe(beyondInt8);
  });

  it('int columns stay within int4 and refuse strings', () => {
    expect(transform(balances, doc({ confirmations: 12 })).confirmations).toBe('12');
    expect(thrown(() => transform(balances, doc({ confirmations: 2 ** 31 })))).toBeInstanceOf(RejectedRecord);
    expect(thrown(() => transform(balances, doc({ confirmations: '12' })))).toBeInstanceOf(RejectedRecord);
    expect(thrown(() => transform(balances, doc({ confirmations: 1.5 })))).toBeInstanceOf(RejectedRecord);
  });

  it('money refuses a double beyond 2^53 (digits may already be lost) but keeps smaller doubles', () => {
    const mapping = paymentsMapping();
    expect((thrown(() => transform(mapping, payment({ amount: 1e17 }))) as Error).message).toContain('store it as Decimal128');
    expect(transform(mapping, payment({ amount: 19.99 })).amount).toBe('19.99');
    expect(transform(mapping, payment({ amount: 1e-7 })).amount).toBe('0.0000001');
  });
});
