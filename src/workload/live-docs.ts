// Documents the live mode inserts, shaped like the seeded ones (connectors/*.yaml)
// and valid for their mappings: the application writing new purchase requests,
// offers, payments, ledger entries, notifications and verification codes.

import { Decimal128, ObjectId } from 'bson';
import { decimalText } from './core-context.js';
import type { OfferEntity, PaymentEntity, RequestEntity } from './live-state.js';
import type { Random } from './random.js';

const ITEMS = ['phone', 'laptop', 'camera', 'watch', 'bicycle', 'translation', 'logo design', 'game items'];
const MINUTE = 60_000;

/**
 * An ObjectId as MongoDB makes it, creation second first: seeded random bytes after
 * it, so two live runs (same seed, other seconds) never make the same id.
 */
export function newId(rng: Random, now: Date): ObjectId {
  return new ObjectId(Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0') + rng.hex(8));
}

export function requestDoc(rng: Random, id: ObjectId, buyerId: ObjectId, categoryId: ObjectId | undefined, now: Date): Record<string, unknown> {
  return {
    _id: id,
    title: `Looking for a ${rng.pick(ITEMS)} (live)`,
    description: 'Please quote with delivery time.',
    buyerId,
    ...(categoryId === undefined ? {} : { categoryId }),
    requestType: 'product',
    status: 'open',
    budget: Decimal128.fromString(decimalText(rng, 10, 5000, 2)),
    budgetCurrency: 'USDT',
    quantity: rng.int(1, 3),
    tags: ['new'],
    specifications: [{ name: 'condition', value: rng.pick(['new', 'used']) }],
    createdAt: now,
    updatedAt: now,
  };
}

export function offerDoc(rng: Random, offer: OfferEntity, requestId: ObjectId, now: Date): Record<string, unknown> {
  return {
    _id: offer.id,
    purchaseRequestId: requestId,
    sellerId: offer.sellerId,
    price: { amount: Decimal128.fromString(offer.amountText), currency: offer.currency },
    status: 'pending',
    message: 'Can deliver quickly, escrow only.',
    deliveryDays: rng.int(1, 14),
    createdAt: now,
    updatedAt: now,
  };
}

/** The pending payment createPaymentRecord writes once the buyer accepted an offer (metadata.sellerId as String()). */
export function paymentDoc(rng: Random, payment: PaymentEntity, request: RequestEntity, offer: OfferEntity, now: Date): Record<string, unknown> {
  return {
    _id: payment.id,
    amount: payment.amount,
    currency: payment.currency,
    status: 'pending',
    provider: 'request_network',
    purchaseRequestId: request.id,
    buyerId: request.buyerId,
    txHash: null,
    disputed: false,
    metadata: { isTemplateCheckout: false, rnRequestId: rng.hex(16), sellerId: offer.sellerId.toHexString(), userAgent: rng.pick(['web', 'ios', 'android']) },
    createdAt: now,
    updatedAt: now,
  };
}

/** The escrow movement a payment's completion or refund appends (the ledger is append-only). */
export function ledgerDoc(rng: Random, payment: PaymentEntity, entryType: 'escrow_deposit' | 'refund', now: Date): Record<string, unknown> {
  return {
    _id: newId(rng, now),
    entryType,
    amount: payment.amount,
    currency: payment.currency,
    purchaseRequestId: payment.purchaseRequestId,
    paymentId: payment.id,
    escrowState: entryType === 'refund' ? 'refunded' : 'held',
    txHash: `0x${rng.hex(32)}`,
    createdAt: now,
    updatedAt: now,
  };
}

export function notificationDoc(rng: Random, userId: ObjectId, type: 'offer_received' | 'offer_accepted', requestId: ObjectId, now: Date): Record<string, unknown> {
  return {
    _id: newId(rng, now),
    userId,
    type,
    title: type === 'offer_received' ? 'New offer on your request' : 'Your offer was accepted',
    message: `Something happened (${type}).`,
    data: { purchaseRequestId: requestId },
    link: '/orders',
    read: false,
    priority: 'normal',
    createdAt: now,
    updatedAt: now,
  };
}

export function tempVerificationDoc(rng: Random, now: Date): Record<string, unknown> {
  return {
    _id: newId(rng, now),
    email: `new${rng.hex(4)}@example.com`,
    codeHash: rng.hex(32),
    purpose: 'email',
    attempts: 0,
    verified: false,
    expiresAt: new Date(now.getTime() + 10 * MINUTE),
    createdAt: now,
  };
}

export function chatMessage(rng: Random, senderId: unknown, now: Date): Record<string, unknown> {
  return { _id: newId(rng, now), senderId, content: `Live message ${rng.hex(4)}`, messageType: 'text', createdAt: now };
}
