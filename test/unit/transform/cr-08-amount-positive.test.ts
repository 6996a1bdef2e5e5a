// CR-8: payments had no CHECK (amount > 0). The mapping's `check: positive` rejects
// zero and negative amounts before they reach PostgreSQL.
import { describe, expect, it } from 'vitest';
import { Decimal128 } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

describe('CR-8 amount > 0', () => {
  const mapping = paymentsMapping();

  it.each(['0', '-0', '0.000', '-1', '-0.000000000000000001'])('rejects amount %s', (amount) => {
    const err = thrown(() => transform(mapping, payment({ amount: Decimal128.fromString(amount) })));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toMatch(/column amount \(path amount\): .* violates check positive/);
  });

  it('accepts the smallest positive amount numeric(38,18) holds', () => {
    expect(transform(mapping, payment({ amount: Decimal128.fromString('1E-18') })).amount).toBe('0.000000000000000001');
  });

  it('rejects an amount that would need rounding, rather than rounding it', () => {
    const err = thrown(() => transform(mapping, payment({ amount: Decimal128.fromString('1E-19') })));
    expect((err as Error).message).toContain('refusing to round');
  });
});
