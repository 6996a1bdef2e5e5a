// The money side of the core workload (see core.ts): payments, paymentQuotes,
// fundsLedger, derivedDestinations, trezorAccounts, pointTransactions and
// releaseHolds, referencing the accepted marketplace documents in the context.
// (src/workload/payments.ts stays as it is: it makes free-standing payments.)

import { Decimal128, Long, type ObjectId } from 'bson';
import {
  CoreContext, decimalText, fromScaled, toScaled, type OfferInfo, type PaymentInfo, type RequestInfo,
} from './core-context.js';
import type { GeneratedDoc } from './model.js';

export function generateMoney(ctx: CoreContext, n: number): void {
  const payments = Math.round(0.7 * n);
  generatePayments(ctx, payments);
  generateQuotes(ctx, payments);
  generateLedger(ctx, Math.round(1.5 * n));
  generateDestinations(ctx, Math.round(0.3 * n));
  generateTrezorAccounts(ctx, Math.round(ctx.pools.users!.length / 20));
  generatePointTransactions(ctx, n);
  generateReleaseHolds(ctx, Math.round(payments / 5));
}

/** A request for a money document: preferably one with a selected offer. */
function dealFor(ctx: CoreContext): { request: RequestInfo; offer: OfferInfo | undefined } | undefined {
  const { rng } = ctx;
  if (ctx.requests.length === 0) return undefined;
  const request = rng.pick(ctx.selected.length > 0 && rng.chance(0.9) ? ctx.selected : ctx.requests);
  const selected = request.offers.find((o) => o.id.equals(request.doc.selectedOfferId as ObjectId));
  return { request, offer: selected ?? (request.offers.length > 0 ? rng.pick(request.offers) : undefined) };
}

const PAYMENT_STATUSES = ['pending', 'processing', 'completed', 'completed', 'completed', 'failed', 'cancelled', 'refunded'];

function generatePayments(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count; i++) {
    const deal = dealFor(ctx);
    if (deal === undefined) return;
    const { request, offer } = deal;
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date(offer?.createdAt ?? request.createdAt, 7);
    const amount = offer?.amount ?? decimalText(rng, 5, 15000, 2);
    const currency = offer?.currency ?? 'USDT';
    let status = rng.pick(PAYMENT_STATUSES);
    if (status === 'cancelled' && rng.chance(rates.legacyEnum)) {
      status = 'canceled';
      why.push("legacy status spelling 'canceled'");
    }
    const legacyProvider = rng.chance(rates.legacyEnum);
    if (legacyProvider) why.push("legacy provider spelling 'request.network'");
    // createPaymentRecord: String(metadata?.sellerId || createLegacyObjectIdString())
    let sellerId = (offer?.sellerId ?? ctx.seller()).toHexString();
    let amountValue: unknown;
    if (rng.chance(rates.nullAmount)) {
      amountValue = null;
      expect = 'rejected';
      why.push('NULL payment amount (CR-4)');
    } else {
      amountValue = ctx.money(amount, why);
      if (ctx.danglingRef()) {
        sellerId = ctx.id().toHexString();
        expect = 'orphan';
        why.push('payments.metadata.sellerId fake String(ObjectId)');
      }
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      amount: amountValue,
      currency,
      status,
      provider: legacyProvider ? 'request.network' : 'request_network',
      purchaseRequestId: request.id,
      buyerId: request.buyerId,
      txHash: status === 'completed' || rng.chance(0.3) ? `0x${rng.hex(32)}` : null,
      ...(rng.chance(0.8) ? { disputed: request.doc.status === 'disputed' } : {}),
      metadata: {
        isTemplateCheckout: request.doc.templateId !== undefined,
        rnRequestId: rng.hex(16),
        sellerId,
        userAgent: rng.pick(['web', 'ios', 'android']),
      },
      createdAt,
      updatedAt: ctx.date(createdAt, 3),
    };
    ctx.add('payments', doc, expect, why);
    if (expect === 'accepted') ctx.payments.push({ id: doc._id as ObjectId, request, offer, amount, currency, createdAt });
  }
}

/** Tokens a quote settles in: symbol, decimals, USD price (a tiny one is the 1e-7 case). */
const TOKENS = [
  { symbol: 'USDT', decimals: 6, price: '1.0002', chainId: 137 },
  { symbol: 'USDC', decimals: 6, price: '0.9998', chainId: 8453 },
  { symbol: 'ETH', decimals: 18, price: '3150.42', chainId: 1 },
  { symbol: 'BNB', decimals: 18, price: '590.1', chainId: 56 },
] as const;

function generateQuotes(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count; i++) {
    const payment: PaymentInfo | undefined = ctx.payments[i % Math.max(1, ctx.payments.length)];
    const deal = payment ?? dealFor(ctx);
    if (deal === undefined) return;
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const offerAmount = payment?.amount ?? deal.offer?.amount ?? decimalText(rng, 5, 15000, 2);
    const fx = rng.pick([1, 1, 0.92, 1.08, 0.27]); // offer currency -> USD, as JS code computed it
    let token: { symbol: string; decimals: number; price: string; chainId: number } = rng.pick(TOKENS);
    let tokenPriceUsd: unknown = Decimal128.fromString(token.price);
    if (rng.chance(rates.scientificNotation)) {
      token = { symbol: 'PEPE', decimals: 18, price: '0.0000001', chainId: 1 };
      tokenPriceUsd = 1e-7; // a Double: String() would write "1e-7"
      why.push('tokenPriceUsd Double 1e-7');
    }
    // raw = offer × fx / price, exact to 18 places; settle = raw rounded UP to the token's decimals.
    const raw = (toScaled(offerAmount) * toScaled(String(fx))) / toScaled(token.price);
    const unit = 10n ** BigInt(18 - token.decimals);
    const settle = ((raw + unit - 1n) / unit) * unit;
    const createdAt = ctx.date(payment?.createdAt ?? deal.request.createdAt, 1);
    let sellerOfferId: ObjectId | undefined = deal.offer?.id;
    if (ctx.danglingRef()) {
      sellerOfferId = ctx.id();
      expect = 'orphan';
      why.push('dangling paymentQuotes.sellerOfferId');
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      purchaseRequestId: deal.request.id,
      ...(sellerOfferId === undefined ? {} : { sellerOfferId }),
      ...(payment === undefined ? {} : { paymentId: payment.id }),
      buyerId: deal.request.buyerId,
      offerAmount: ctx.money(offerAmount, why),
      offerCurrency: payment?.currency ?? 'USDT',
      settleToken: token.symbol,
      chainId: token.chainId,
      fxRate: fx,
      tokenPriceUsd,
      rawSettleAmount: Decimal128.fromString(fromScaled(raw)),
      settleAmount: Decimal128.fromString(fromScaled(settle)),
      tokenDecimals: token.decimals,
      status: payment === undefined ? rng.pick(['active', 'expired']) : 'consumed',
      expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
      createdAt,
    };
    ctx.add('paymentQuotes', doc, expect, why);
  }
}

const LEDGER_ROUNDS = ['escrow_deposit', 'escrow_release', 'platform_fee', 'seller_payout', 'refund'] as const;

function generateLedger(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count; i++) {
    const payment = ctx.payments.length > 0 ? ctx.payments[i % ctx.payments.length]! : undefined;
    const request = payment?.request ?? (ctx.requests.length > 0 ? rng.pick(ctx.requests) : undefined);
    if (request === undefined) return;
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    // Each pass over the payments adds the next movement of their escrow.
    const entryType = payment === undefined ? 'adjustment' : LEDGER_ROUNDS[Math.floor(i / ctx.payments.length) % LEDGER_ROUNDS.length]!;
    const base = payment?.amount ?? decimalText(rng, 1, 50, 2);
    const amount = entryType === 'platform_fee' ? fromScaled((toScaled(base) * 2n) / 100n) : base;
    const createdAt = ctx.date(payment?.createdAt ?? request.createdAt, 10);
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      entryType,
      amount: ctx.money(amount, why),
      currency: payment?.currency ?? 'USDT',
      purchaseRequestId: request.id,
      ...(payment === undefined ? {} : { paymentId: payment.id }),
      escrowState: entryType === 'escrow_deposit' ? 'held' : entryType === 'refund' ? 'refunded' : 'released',
      ...(rng.chance(0.6) ? { txHash: `0x${rng.hex(32)}` } : {}),
      ...(entryType === 'adjustment' && ctx.pools.users!.length > 0 ? { createdBy: rng.pick(ctx.pools.users!), note: 'manual correction' } : {}),
      createdAt,
      updatedAt: createdAt, // Mongoose timestamps; no column (kept in extra)
    };
    if (rng.chance(rates.ledgerWithoutEntryType)) {
      delete doc.entryType;
      expect = 'rejected';
      why.push('ledger entry without entryType');
    } else if (payment !== undefined && ctx.danglingRef()) {
      doc.paymentId = ctx.id();
      expect = 'orphan';
      why.push('dangling fundsLedger.paymentId');
    }
    ctx.add('fundsLedger', doc, expect, why);
  }
}

/** Wei values beyond 2^53 in every exact form MongoDB documents hold them. */
function bigWei(ctx: CoreContext, why: string[]): unknown {
  const { rng } = ctx;
  switch (rng.int(0, 2)) {
    case 0:
      why.push('wei beyond 2^53 as Long');
      // 2^53 + up to ~9e18: beyond a double's exact integers, within a signed 64-bit Long
      return Long.fromBigInt(2n ** 53n + BigInt(rng.int(1, 999_999_999)) * BigInt(rng.int(1, 9_000_000_000)));
    case 1:
      why.push('wei beyond 2^53 as Decimal128');
      return Decimal128.fromString(`${rng.int(1, 9)}${rng.hex(12).replace(/[a-f]/g, '7')}${String(rng.int(0, 9999)).padStart(4, '0')}`);
    default:
      why.push('wei beyond 2^53 as numeric string');
      // up to uint256: 2^256 - 1 has 78 digits
      return rng.chance(0.2)
        ? '115792089237316195423570985008687907853269984665640564039457584007913129639935'
        : `${rng.int(1, 9)}${rng.hex(16).replace(/[a-f]/g, '3')}${rng.int(100, 999)}`;
  }
}

function generateDestinations(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  const deals = ctx.requests.filter((r) => r.offers.length > 0);
  for (let i = 0; i < count && deals.length > 0; i++) {
    const request = rng.pick(deals);
    const offer = rng.pick(request.offers);
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date(offer.createdAt, 3);
    let balance: unknown;
    if (rng.chance(rates.weiBeyond2e53)) {
      balance = bigWei(ctx, why);
    } else if (rng.chance(rates.scientificNotation)) {
      balance = Decimal128.fromString('1E+21');
      why.push("Decimal128 '1E+21' wei balance");
    } else if (rng.chance(0.8)) {
      balance = rng.chance(0.4) ? 0 : rng.int(1, 9_000_000) * 1_000_000_000; // JS numbers below 2^53
    }
    const long = rng.chance(rates.longArrays);
    if (long) why.push('200 sweeps');
    const sweeps = Array.from({ length: long ? 200 : rng.int(0, 2) }, () => {
      let amount: unknown = `${rng.int(1, 999)}${String(rng.int(0, 999_999_999)).padStart(9, '0')}000000`;
      if (rng.chance(rates.scientificNotation)) {
        amount = 1e21; // a Double; exactly 10^21
        if (!why.includes('sweep amount Double 1e21')) why.push('sweep amount Double 1e21');
      }
      return {
        txHash: `0x${rng.hex(32)}`, amount, toAddress: `0x${rng.hex(20)}`,
        status: rng.pick(['pending', 'confirmed', 'confirmed', 'failed']), sweptAt: ctx.date(createdAt, 20),
      };
    });
    let sellerOfferId: ObjectId = offer.id;
    if (ctx.danglingRef()) {
      sellerOfferId = ctx.id();
      expect = 'orphan';
      why.push('dangling derivedDestinations.sellerOfferId');
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      address: `0x${rng.hex(20)}`,
      chainId: rng.pick([1, 56, 137, 8453]),
      token: rng.pick(['USDT', 'USDC', 'ETH']),
      derivationPath: `m/44'/60'/0'/0/${i}`,
      derivationIndex: i,
      buyerId: request.buyerId,
      sellerId: offer.sellerId,
      sellerOfferId,
      status: sweeps.length > 0 ? 'swept' : rng.pick(['active', 'funded', 'expired']),
      ...(balance === undefined ? {} : { lastKnownBalance: balance, lastCheckedAt: ctx.date(createdAt, 20) }),
      ...(sweeps.length > 0 ? { sweeps } : {}),
      createdAt,
      updatedAt: ctx.date(createdAt, 20),
    };
    ctx.add('derivedDestinations', doc, expect, why);
  }
}

function generateTrezorAccounts(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count && ctx.pools.users!.length > 0; i++) {
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date();
    const long = rng.chance(rates.longArrays);
    if (long) why.push('1000 derived addresses');
    const derivedAddresses = Array.from({ length: long ? 1000 : rng.int(0, 8) }, (_, k) => ({
      address: `0x${rng.hex(20)}`, index: k, path: `m/44'/60'/${i}'/0/${k}`, used: rng.chance(0.5), createdAt: ctx.date(createdAt, 60),
    }));
    let userId = rng.pick(ctx.pools.users!);
    if (ctx.danglingRef()) {
      userId = ctx.id();
      expect = 'orphan';
      why.push('dangling trezorAccounts.userId');
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      userId,
      xpub: `xpub6${rng.hex(40)}`,
      label: rng.pick(['Main', 'Savings', 'Business']),
      coin: 'ETH',
      chainId: 1,
      accountIndex: i,
      derivationPath: `m/44'/60'/${i}'`,
      nextAddressIndex: derivedAddresses.length,
      isActive: rng.chance(0.9),
      ...(derivedAddresses.length > 0 ? { derivedAddresses } : {}),
      createdAt,
      updatedAt: ctx.date(createdAt, 30),
    };
    ctx.add('trezorAccounts', doc, expect, why);
  }
}

function generatePointTransactions(ctx: CoreContext, count: number): void {
  const { rng } = ctx;
  const balances = new Map<string, number>();
  const referred = ctx.docs.filter((d) => d.collection === 'users' && d.expect === 'accepted' && d.doc.referredBy !== undefined);
  for (let i = 0; i < count && ctx.pools.users!.length > 0; i++) {
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const request = ctx.requests.length > 0 ? rng.pick(ctx.requests) : undefined;
    const referral = referred.length > 0 && rng.chance(0.2) ? rng.pick(referred) : undefined;
    let type = referral !== undefined ? 'referral_bonus' : rng.pick(['earn', 'earn', 'earn', 'redeem', 'adjustment', 'expire']);
    const userId = (referral?.doc.referredBy as ObjectId | undefined) ?? request?.buyerId ?? rng.pick(ctx.pools.users!);
    const key = userId.toHexString();
    const before = balances.get(key) ?? 0;
    if ((type === 'redeem' || type === 'expire') && before === 0) type = 'earn';
    // Balances never go below zero (ck_pt_balance); halves stay exact in a Double.
    const points = type === 'redeem' || type === 'expire'
      ? -Math.min(before, rng.int(1, 300))
      : rng.int(1, 500) + (rng.chance(0.1) ? 0.5 : 0);
    const balance = before + points;
    balances.set(key, balance);
    let referredUserId = referral?.doc._id as ObjectId | undefined;
    if (referral !== undefined && ctx.danglingRef()) {
      referredUserId = ctx.id();
      expect = 'orphan';
      why.push('dangling pointTransactions.referredUserId');
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      userId,
      type,
      points,
      ...(rng.chance(0.95) ? { balance } : {}), // older transactions did not store it
      ...(referredUserId === undefined ? {} : { referredUserId }),
      ...(type === 'earn' && request !== undefined ? { purchaseRequestId: request.id } : {}),
      description: `${type} (${points} points)`,
      createdAt: ctx.date(request?.createdAt, 30),
    };
    ctx.add('pointTransactions', doc, expect, why);
  }
}

function generateReleaseHolds(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  const admins = ctx.pools.users!;
  for (let i = 0; i < count && ctx.payments.length > 0; i++) {
    const payment = rng.pick(ctx.payments);
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date(payment.createdAt, 10);
    let status = rng.pick(['active', 'released', 'released', 'cancelled']);
    if (status === 'cancelled' && rng.chance(rates.legacyEnum)) {
      status = 'canceled';
      why.push("legacy status spelling 'canceled'");
    }
    let paymentId: ObjectId = payment.id;
    if (ctx.danglingRef()) {
      paymentId = ctx.id();
      expect = 'orphan';
      why.push('dangling releaseHolds.paymentId');
    }
    // No disputeId: disputes are another generator's collection (a random id would dangle).
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      purchaseRequestId: payment.request.id,
      paymentId,
      reason: rng.pick(['dispute_opened', 'delivery_not_confirmed', 'manual_review', 'fraud_check']),
      status,
      placedBy: rng.chance(0.5) ? payment.request.buyerId : rng.pick(admins),
      ...(status === 'released' ? { releasedBy: rng.pick(admins), releasedAt: ctx.date(createdAt, 10) } : {}),
      ...(rng.chance(0.4) ? { expiresAt: ctx.date(createdAt, 30) } : {}),
      createdAt,
      updatedAt: ctx.date(createdAt, 10),
    };
    ctx.add('releaseHolds', doc, expect, why);
  }
}
