// The real connectors/payments.yaml: a full payment document becomes one row of
// PostgreSQL text input, the same whichever way the BSON payload was decoded.
import { describe, expect, it } from 'vitest';
import { BSON, ObjectId } from 'bson';
import { columnSqlTypes, transform, uuidFor } from '../../../src/transform/index.js';
import { PAYMENT_ID, payment, paymentsMapping } from './fixtures.js';

describe('payments mapping', () => {
  const mapping = paymentsMapping();

  it('turns a payment into the expected row', () => {
    expect(transform(mapping, payment())).toEqual({
      id: uuidFor('payments', PAYMENT_ID),
      legacy_id: '65a1b2c3d4e5f60718293a4b',
      amount: '125.5',
      currency: 'USDC',
      status: 'completed',
      provider: 'request_network',
      purchase_request_id: uuidFor('purchaseRequests', new ObjectId('65a1b2c3d4e5f60718293a4c')),
      buyer_id: uuidFor('users', new ObjectId('65a1b2c3d4e5f60718293a4d')),
      seller_id: uuidFor('users', new ObjectId('65a1b2c3d4e5f60718293a4e')), // stored as a hex string
      tx_hash: '0xabc123',
      disputed: 'false',
      is_template_checkout: 'true',
      rn_request_id: 'rn-42',
      created_at: '2024-01-02T03:04:05.678Z',
      updated_at: '2024-01-02T03:04:06.000Z',
      extra: '{"metadata":{"note":"gift","chain":{"id":{"$numberInt":"137"},"name":"polygon"}}}',
    });
  });

  it('gives the same row for default and non-promoting BSON decoding', () => {
    const bytes = BSON.serialize(payment());
    const promoted = transform(mapping, BSON.deserialize(bytes));
    const wrapped = transform(mapping, BSON.deserialize(bytes, { promoteValues: false }));
    expect(wrapped).toEqual(promoted);
    expect(promoted).toEqual(transform(mapping, payment()));
  });

  it('lists SQL types in row order for staging tables', () => {
    const types = columnSqlTypes(mapping);
    expect(types.map((t) => t.column)).toEqual(Object.keys(transform(mapping, payment())));
    expect(types).toEqual(expect.arrayContaining([
      { column: 'id', sqlType: 'uuid', nullable: false },
      { column: 'legacy_id', sqlType: 'text', nullable: false },
      { column: 'amount', sqlType: 'numeric(38,18)', nullable: false },
      { column: 'status', sqlType: 'text', nullable: false },
      { column: 'buyer_id', sqlType: 'uuid', nullable: true },
      { column: 'disputed', sqlType: 'boolean', nullable: true },
      { column: 'created_at', sqlType: 'timestamptz', nullable: false },
      { column: 'extra', sqlType: 'jsonb', nullable: false },
    ]));
    expect(types).toHaveLength(16);
  });

  it('has about a dozen mapped columns with money, NOT NULL and CHECK as the audit asks', () => {
    expect(mapping.columns.length).toBeLessThanOrEqual(13);
    expect(mapping.columns.find((c) => c.column === 'amount')).toMatchObject({ type: 'money', nullable: false, check: 'positive' });
  });
});
