import { Decimal128, ObjectId, type Document } from 'bson';
import type { Random } from './random.js';

const STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded', 'canceled'] as const;
const CURRENCIES = ['USDT', 'USDC', 'ETH', 'BTC', 'DAI'] as const;

export interface PaymentOptions {
  /** Share of documents with a NULL amount: the audit's CR-4 case, rejected by the sink. */
  nullAmountRate?: number;
}

/**
 * An Amanat-shaped payment with the audit's messy spellings that references no
 * other collection (its foreign keys would otherwise wait for parents): for tests
 * and benchmarks of the payments pipeline alone. generateWorkload() gives the
 * whole related data set.
 */
export function paymentDocument(rng: Random, opts: PaymentOptions = {}): Document {
  const created = new Date(Date.UTC(2025, 0, 1) + rng.int(0, 300 * 86400) * 1000 + rng.int(0, 999));
  const amount = `${rng.int(1, 250000)}.${rng.hex(4).replace(/[a-f]/g, '7').slice(0, rng.int(0, 8))}`.replace(/\.$/, '');
  return {
    _id: new ObjectId(rng.hex(12)),
    amount: rng.chance(opts.nullAmountRate ?? 0) ? null : Decimal128.fromString(amount),
    currency: rng.pick(CURRENCIES),
    status: rng.pick(STATUSES),
    provider: rng.pick(['request.network', 'request_network']),
    txHash: rng.chance(0.7) ? `0x${rng.hex(32)}` : null,
    disputed: rng.chance(0.05),
    metadata: {
      isTemplateCheckout: rng.chance(0.2),
      rnRequestId: rng.hex(16),
      userAgent: rng.pick(['web', 'ios', 'android']),
    },
    createdAt: created,
    updatedAt: created,
  };
}
