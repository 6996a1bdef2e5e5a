// CR-4: backfill-payments extractDecimalString(null) returned '0', so a NULL Mongo
// payment amount was inserted as amount = 0. Here it is a rejected record, never '0'.
import { describe, expect, it } from 'vitest';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

describe('CR-4 NULL payment amount', () => {
  const mapping = paymentsMapping();

  it('rejects amount: null, naming collection, _id, column and path', () => {
    const err = thrown(() => transform(mapping, payment({ amount: null })));
    expect(err).toBeInstanceOf(RejectedRecord);
    const message = (err as RejectedRecord).message;
    expect(message).toBe(
      'payments {"$oid":"65a1b2c3d4e5f60718293a4b"}: column amount (path amount) is NULL but NOT NULL',
    );
    expect((err as RejectedRecord).context).toMatchObject({ collection: 'payments', column: 'amount', path: 'amount' });
    expect((err as RejectedRecord).code).toBe('TM_REJECTED');
  });

  it('rejects a missing amount the same way', () => {
    const doc = payment();
    delete doc.amount;
    const err = thrown(() => transform(mapping, doc));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toContain('column amount (path amount) is missing but NOT NULL');
  });

  it('rejects undefined (BSON undefined decodes to it) as missing', () => {
    expect(thrown(() => transform(mapping, payment({ amount: undefined })))).toBeInstanceOf(RejectedRecord);
  });

  it('never produces "0" for an amount that is not there', () => {
    for (const amount of [null, undefined, '', 'abc', NaN]) {
      let row: unknown;
      try {
        row = transform(mapping, payment({ amount }));
      } catch (err) {
        expect(err).toBeInstanceOf(RejectedRecord);
      }
      expect(row).toBeUndefined();
    }
  });

  it('still maps NULL to SQL NULL where the mapping allows it', () => {
    const row = transform(mapping, payment({ txHash: null, buyerId: null }));
    expect(row.tx_hash).toBeNull();
    expect(row.buyer_id).toBeNull();
  });
});
