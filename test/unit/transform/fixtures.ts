// Shared fixtures: the real connectors/payments.yaml and an Amanat-like payment.
import { fileURLToPath } from 'node:url';
import { Decimal128, ObjectId } from 'bson';
import { loadMappings } from '../../../src/transform/index.js';
import type { Mapping } from '../../../src/transform/index.js';

export const CONNECTORS = fileURLToPath(new URL('../../../connectors', import.meta.url));

export function paymentsMapping(): Mapping {
  const [mapping] = loadMappings(CONNECTORS, ['payments']);
  if (mapping === undefined) throw new Error('payments mapping missing');
  return mapping;
}

export const PAYMENT_ID = new ObjectId('65a1b2c3d4e5f60718293a4b');

export function payment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: PAYMENT_ID,
    amount: Decimal128.fromString('125.50'),
    currency: 'USDC',
    status: 'completed',
    provider: 'request.network',
    purchaseRequestId: new ObjectId('65a1b2c3d4e5f60718293a4c'),
    buyerId: new ObjectId('65a1b2c3d4e5f60718293a4d'),
    txHash: '0xabc123',
    disputed: false,
    metadata: {
      isTemplateCheckout: true,
      rnRequestId: 'rn-42',
      sellerId: '65a1b2c3d4e5f60718293a4e',
      note: 'gift',
      chain: { id: 137, name: 'polygon' },
    },
    createdAt: new Date('2024-01-02T03:04:05.678Z'),
    updatedAt: new Date('2024-01-02T03:04:06.000Z'),
    ...overrides,
  };
}

/** The error thrown by fn (fails the test if none). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}
