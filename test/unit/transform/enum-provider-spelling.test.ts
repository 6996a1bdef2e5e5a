// Audit: enum default mismatch, provider 'request.network' in Mongo vs
// request_network in PostgreSQL. Enum values are mapped explicitly; unknown ones rejected.
import { describe, expect, it } from 'vitest';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

describe('enum mapping', () => {
  const mapping = paymentsMapping();

  it("maps the legacy spelling 'request.network' to request_network", () => {
    expect(transform(mapping, payment({ provider: 'request.network' })).provider).toBe('request_network');
    expect(transform(mapping, payment({ provider: 'request_network' })).provider).toBe('request_network');
  });

  it('maps alternative status spellings onto one target value', () => {
    expect(transform(mapping, payment({ status: 'canceled' })).status).toBe('cancelled');
    expect(transform(mapping, payment({ status: 'refunded' })).status).toBe('refunded');
  });

  it('rejects an unknown value, naming it and the allowed set', () => {
    const err = thrown(() => transform(mapping, payment({ status: 'settled' })));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toBe(
      'payments {"$oid":"65a1b2c3d4e5f60718293a4b"}: column status (path status): unknown value "settled"; allowed: '
      + '"pending", "processing", "completed", "failed", "cancelled", "canceled", "refunded"',
    );
  });

  it('is case-sensitive and refuses non-strings (no guessing)', () => {
    expect(thrown(() => transform(mapping, payment({ status: 'Completed' })))).toBeInstanceOf(RejectedRecord);
    expect((thrown(() => transform(mapping, payment({ provider: 1 }))) as Error).message).toContain('enum value must be a string');
  });

  it('does not treat inherited object keys as enum values', () => {
    expect(thrown(() => transform(mapping, payment({ status: 'constructor' })))).toBeInstanceOf(RejectedRecord);
    expect(thrown(() => transform(mapping, payment({ status: '__proto__' })))).toBeInstanceOf(RejectedRecord);
  });
});
