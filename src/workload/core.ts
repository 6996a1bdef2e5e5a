// Seeded workload for Amanat Escrow's money and marketplace collections (the
// audit's in-scope collections): users, categories, requestTemplates,
// purchaseRequests, sellerOffers here; payments, paymentQuotes, fundsLedger,
// derivedDestinations, trezorAccounts, pointTransactions, releaseHolds in
// core-money.ts. Documents follow connectors/<collection>.yaml, including the
// audit's hard cases at the given rates; `expect` says what the replicator must do
// with each, and `why` names the hard case(s) it carries.
//
// Order in `docs` is generation order (parents first), but the sink must not rely on
// it. Pools hold accepted ids only; children reference pool ids, and a dangling
// reference is a fresh ObjectId that is never generated (expect 'orphan').

import { Decimal128, type ObjectId } from 'bson';
import { CoreContext, decimalText, type OfferInfo, type RequestInfo } from './core-context.js';
import { generateMoney } from './core-money.js';
import type { GeneratedDoc, HardCaseRates, Pools } from './model.js';
import type { Random } from './random.js';

export { CORE_COLLECTIONS } from './core-context.js';

export interface CoreOptions {
  purchaseRequests: number;
  rates: HardCaseRates;
}

export function generateCore(rng: Random, opts: CoreOptions): { docs: GeneratedDoc[]; pools: Pools } {
  const ctx = new CoreContext(rng, opts.rates);
  const n = Math.max(0, Math.floor(opts.purchaseRequests));
  generateUsers(ctx, Math.max(1, Math.round(n / 3)));
  generateCategories(ctx);
  generateTemplates(ctx, Math.round(n / 10));
  generateRequests(ctx, n);
  generateOffers(ctx, 2 * n);
  selectOffers(ctx);
  generateMoney(ctx, n);
  return { docs: ctx.docs, pools: ctx.pools };
}

const FIRST = ['Amina', 'Omar', 'Leila', 'Yusuf', 'Sara', 'Karim', 'Nadia', 'Tariq', 'Maya', 'Ali', 'Zeynep', 'Hassan'];
const LAST = ['Haddad', 'Karimi', 'Demir', 'Rahman', 'Aziz', 'Nasser', 'Yilmaz', 'Farouk', 'Saleh', 'Osman'];

function generateUsers(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count; i++) {
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date();
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const doc: Record<string, unknown> = { _id: ctx.id() };
    if (rng.chance(rates.oauthWithoutEmail)) {
      // OAuth sign-up: no email at all, or an explicit null (both become NULL).
      why.push('OAuth user without email');
      if (rng.chance(0.5)) doc.email = null;
      doc.authProvider = 'google';
      doc.googleId = String(rng.int(100_000_000, 999_999_999)) + String(rng.int(100_000_000, 999_999_999));
    } else {
      doc.email = `${first}.${last}.${i}@example.com`.toLowerCase();
      if (rng.chance(0.8)) doc.authProvider = rng.pick(['local', 'local', 'telegram']); // older users: none stored
    }
    doc.firstName = first;
    if (rng.chance(0.9)) doc.lastName = last;
    doc.username = `${first.toLowerCase()}${i}`;
    const role = rng.chance(0.02) ? 'admin' : rng.chance(0.36) ? 'seller' : 'buyer';
    if (rng.chance(0.95)) doc.role = role;
    if (rng.chance(0.3)) doc.walletAddress = `0x${rng.hex(20)}`;
    doc.referralCode = rng.hex(4).toUpperCase();
    if (ctx.pools.users!.length > 0 && rng.chance(0.3)) {
      if (ctx.danglingRef()) {
        doc.referredBy = ctx.id();
        expect = 'orphan';
        why.push('dangling users.referredBy');
      } else {
        doc.referredBy = rng.pick(ctx.pools.users!);
      }
    }
    if (rng.chance(0.9)) {
      // available + used = total; some rewards are fractional (decimal points).
      const total = rng.int(0, 5000) + (rng.chance(0.1) ? 0.5 : 0);
      const used = Math.min(total, rng.int(0, 2000));
      doc.points = { available: total - used, used, total };
    }
    if (rng.chance(0.7)) doc.level = rng.int(1, 5);
    doc.isVerified = rng.chance(0.6);
    if (rng.chance(0.8)) doc.isActive = rng.chance(0.95);
    if (rng.chance(0.5)) doc.profile = { bio: `${first} from ${rng.pick(['Dubai', 'Istanbul', 'Cairo', 'Lagos'])}`, phone: `+9715${rng.int(1_000_000, 9_999_999)}` };
    if (rng.chance(0.7)) doc.lastLoginAt = ctx.date(createdAt, 60);
    doc.createdAt = createdAt;
    doc.updatedAt = ctx.date(createdAt, 30);
    ctx.add('users', doc, expect, why);
    if (expect === 'accepted') (role === 'seller' ? ctx.sellers : ctx.buyers).push(doc._id as ObjectId);
  }
}

const TOP_CATEGORIES = ['Electronics', 'Fashion', 'Home & Garden', 'Services', 'Vehicles', 'Collectibles', 'Sports', 'Digital Goods'];
const SUB_CATEGORIES = [
  'Phones', 'Laptops', 'Cameras', 'Audio', 'Menswear', 'Womenswear', 'Shoes', 'Watches', 'Furniture', 'Kitchen',
  'Garden Tools', 'Lighting', 'Design', 'Translation', 'Repairs', 'Tutoring', 'Car Parts', 'Motorcycles', 'Boats',
  'Coins', 'Art', 'Stamps', 'Fitness', 'Cycling', 'Outdoor', 'Software', 'Gift Cards', 'Game Items', 'Tablets',
  'Jewellery', 'Bags', 'Cleaning',
];

function generateCategories(ctx: CoreContext): void {
  const { rng } = ctx;
  const category = (name: string, parentId: ObjectId | undefined, isActive: boolean | undefined): Record<string, unknown> => {
    const createdAt = ctx.date();
    return {
      _id: ctx.id(),
      name,
      slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      ...(rng.chance(0.6) ? { description: `Everything in ${name}` } : {}),
      ...(parentId === undefined ? {} : { parentId }),
      ...(isActive === undefined ? {} : { isActive }),
      sortOrder: rng.int(0, 100),
      createdAt,
      updatedAt: ctx.date(createdAt, 10),
    };
  };
  for (const name of TOP_CATEGORIES) ctx.add('categories', category(name, undefined, true), 'accepted');
  const tops = [...ctx.pools.categories!];
  for (const name of SUB_CATEGORIES) {
    const why: string[] = [];
    let parent = rng.pick(tops);
    let expect: GeneratedDoc['expect'] = 'accepted';
    if (ctx.danglingRef()) {
      parent = ctx.id();
      expect = 'orphan';
      why.push('dangling categories.parentId');
    }
    // Names are unique among active categories (categories_name_active_uq).
    ctx.add('categories', category(name, parent, rng.chance(0.95) ? true : undefined), expect, why);
  }
  // Deactivated duplicates: allowed by the partial unique index (WHERE is_active).
  for (const name of ['Phones', 'Art']) {
    ctx.add('categories', category(name, rng.pick(tops), false), 'accepted', ['inactive duplicate category name']);
  }
}

function generateTemplates(ctx: CoreContext, count: number): void {
  const { rng } = ctx;
  for (let i = 0; i < count; i++) {
    const why: string[] = [];
    const createdAt = ctx.date();
    const maxUsage = rng.chance(0.3) ? undefined : rng.int(1, 100);
    const usageCount = rng.int(0, maxUsage ?? 150);
    const budget = decimalText(rng, 20, 3000, 2);
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      title: `${rng.pick(SUB_CATEGORIES)} package #${i + 1}`,
      description: rng.chance(0.7) ? 'Ready-made offer, ships in 3 days' : null,
      sellerId: ctx.seller(),
      categoryId: rng.pick(ctx.pools.categories!),
      budget: ctx.money(budget, why),
      budgetCurrency: rng.pick(['USDT', 'USDC', 'USD']),
      proposal: {
        price: ctx.money(budget, why),
        currency: 'USDT',
        deliveryDays: rng.int(1, 30),
        message: 'Fixed price, escrow protected',
      },
      usageCount,
      ...(maxUsage === undefined ? {} : { maxUsage }),
      isActive: rng.chance(0.85),
      createdAt,
      updatedAt: ctx.date(createdAt, 40),
    };
    ctx.add('requestTemplates', doc, 'accepted', why);
  }
}

const PR_STATUSES = ['draft', 'open', 'open', 'open', 'offer_accepted', 'paid', 'in_progress', 'shipped', 'delivered', 'completed', 'completed', 'disputed', 'cancelled', 'expired'];
/** Statuses after an offer was chosen. */
const SELECTED = new Set(['offer_accepted', 'paid', 'in_progress', 'shipped', 'delivered', 'completed', 'disputed']);
const TAGS = ['urgent', 'new', 'used', 'bulk', 'gift', 'local', 'international', 'fragile', 'warranty', 'eco'];
const SPEC_NAMES = ['color', 'size', 'weight', 'material', 'brand', 'model', 'storage', 'condition'];

function generateRequests(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  for (let i = 0; i < count; i++) {
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const createdAt = ctx.date();
    const status = rng.pick(PR_STATUSES);
    const type = rng.chance(0.25) ? 'service' : 'product';
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      title: `Looking for ${rng.pick(SUB_CATEGORIES).toLowerCase()} (${i + 1})`,
      description: rng.chance(0.8) ? 'Please quote with delivery time.' : null,
      buyerId: ctx.buyer(),
    };
    if (rng.chance(0.9)) doc.categoryId = rng.pick(ctx.pools.categories!);
    if (ctx.pools.requestTemplates!.length > 0 && rng.chance(0.1)) doc.templateId = rng.pick(ctx.pools.requestTemplates!);
    if (rng.chance(0.9)) doc.requestType = type; // older requests: none stored
    doc.status = status === 'cancelled' && rng.chance(rates.legacyEnum) ? 'canceled' : status;
    if (doc.status === 'canceled') why.push("legacy status spelling 'canceled'");
    if (rng.chance(0.85)) {
      if (rng.chance(rates.scientificNotation)) {
        doc.budget = Decimal128.fromString('1.25E+3'); // exact: '1250'
        why.push('Decimal128 budget in exponent form 1.25E+3');
      } else {
        doc.budget = ctx.money(decimalText(rng, 10, 20000, 2), why);
      }
      doc.budgetCurrency = rng.pick(['USDT', 'USDC', 'USD', 'ETH']);
    }
    if (type === 'product') doc.quantity = rng.int(1, 10);
    if (rng.chance(0.5)) doc.deadline = ctx.date(createdAt, 45);
    if (SELECTED.has(status)) doc.escrowState = rng.pick(['funded', 'held', 'released']);
    const tagCount = rng.int(0, 4);
    if (tagCount > 0) doc.tags = Array.from({ length: tagCount }, () => rng.pick(TAGS));
    const long = rng.chance(rates.longArrays);
    if (long) why.push('500 specifications');
    const specCount = long ? 500 : rng.int(0, 6);
    if (specCount > 0 || rng.chance(0.2)) {
      doc.specifications = Array.from({ length: specCount }, (_, k) => ({
        name: long ? `spec_${k}` : rng.pick(SPEC_NAMES),
        value: String(rng.int(1, 999)),
        ...(rng.chance(0.3) ? { unit: rng.pick(['cm', 'kg', 'GB']) } : {}),
      }));
    }
    const preferred = distinct(rng, ctx.sellers.length > 0 ? ctx.sellers : ctx.pools.users!, rng.int(0, 3));
    if (ctx.danglingRef()) {
      expect = 'orphan';
      if (rng.chance(0.5)) {
        preferred.push(ctx.id());
        why.push('dangling preferredSellers[] user');
      } else {
        doc.buyerId = ctx.id();
        why.push('dangling purchaseRequests.buyerId');
      }
    }
    if (preferred.length > 0) doc.preferredSellers = preferred;
    if (type === 'product' && rng.chance(0.7)) {
      doc.deliveryAddress = {
        fullName: 'A. Buyer', phone: `+9715${rng.int(1_000_000, 9_999_999)}`, street: `${rng.int(1, 300)} Palm Street`,
        city: rng.pick(['Dubai', 'Abu Dhabi', 'Istanbul', 'Cairo']), postalCode: String(rng.int(10000, 99999)), country: rng.pick(['AE', 'TR', 'EG']),
      };
    }
    if (type === 'service') {
      doc.serviceInfo = {
        serviceType: rng.pick(['design', 'translation', 'repair', 'tutoring']),
        isRemote: rng.chance(0.6),
        ...(rng.chance(0.5) ? { location: 'Dubai Marina' } : {}),
        ...(rng.chance(0.5) ? { scheduledAt: ctx.date(createdAt, 30) } : {}),
        durationHours: rng.int(1, 40),
      };
    }
    doc.createdAt = createdAt;
    doc.updatedAt = ctx.date(createdAt, 30);
    ctx.add('purchaseRequests', doc, expect, why);
    if (expect === 'accepted') {
      ctx.requests.push({ id: doc._id as ObjectId, buyerId: doc.buyerId as ObjectId, createdAt, doc, offers: [] });
    }
  }
}

const OFFER_STATUSES = ['pending', 'pending', 'pending', 'rejected', 'withdrawn', 'expired', 'cancelled'];

function generateOffers(ctx: CoreContext, count: number): void {
  const { rng, rates } = ctx;
  if (ctx.requests.length === 0) return;
  for (let i = 0; i < count; i++) {
    const why: string[] = [];
    let expect: GeneratedDoc['expect'] = 'accepted';
    const request = rng.pick(ctx.requests);
    const createdAt = ctx.date(request.createdAt, 10);
    const amount = decimalText(rng, 5, 15000, 2);
    const currency = rng.pick(['USDT', 'USDC', 'ETH']);
    let status = rng.pick(OFFER_STATUSES);
    if (status === 'cancelled' && rng.chance(rates.legacyEnum)) {
      status = 'canceled';
      why.push("legacy status spelling 'canceled'");
    }
    let purchaseRequestId: ObjectId = request.id;
    let price: unknown;
    if (rng.chance(rates.nullAmount)) {
      price = null;
      expect = 'rejected';
      why.push('NULL price.amount');
    } else {
      price = ctx.money(amount, why);
      if (ctx.danglingRef()) {
        purchaseRequestId = ctx.id();
        expect = 'orphan';
        why.push('dangling sellerOffers.purchaseRequestId');
      }
    }
    const doc: Record<string, unknown> = {
      _id: ctx.id(),
      purchaseRequestId,
      sellerId: ctx.seller(),
      price: { amount: price, currency },
      status,
      ...(rng.chance(0.7) ? { message: 'Can deliver quickly, escrow only.' } : {}),
      deliveryDays: rng.int(1, 21),
      ...(rng.chance(0.5) ? { validUntil: ctx.date(createdAt, 14) } : {}),
      createdAt,
      updatedAt: ctx.date(createdAt, 5),
    };
    ctx.add('sellerOffers', doc, expect, why);
    if (expect === 'accepted') {
      const offer: OfferInfo = { id: doc._id as ObjectId, sellerId: doc.sellerId as ObjectId, amount, currency, createdAt, doc };
      request.offers.push(offer);
    }
  }
}

/**
 * Requests past the offer stage get a selected offer (status 'accepted'). This is
 * the purchase_requests <-> seller_offers FK cycle: both rows reference each other.
 */
function selectOffers(ctx: CoreContext): void {
  const { rng } = ctx;
  for (const request of ctx.requests) {
    const pending = request.offers.filter((o) => o.doc.status === 'pending');
    if (!SELECTED.has(request.doc.status as string) || pending.length === 0) continue;
    // acceptOffer: the chosen pending offer is accepted, the other pending ones rejected.
    const offer = rng.pick(pending);
    for (const other of pending) other.doc.status = other === offer ? 'accepted' : 'rejected';
    request.doc.selectedOfferId = offer.id;
    ctx.selected.push(request);
    if (rng.chance(0.6)) {
      request.doc.deliveryInfo = deliveryInfo(ctx, request, offer);
      if (rng.chance(0.7)) {
        request.doc.sellerDeliveryInfo = {
          carrier: rng.pick(['Aramex', 'DHL', 'UPS']), trackingNumber: rng.hex(6).toUpperCase(),
          shippedAt: ctx.date(offer.createdAt, 5), ...(rng.chance(0.4) ? { proofUrl: `https://cdn.example.com/proof/${rng.hex(6)}.jpg` } : {}),
        };
      }
    }
  }
}

function deliveryInfo(ctx: CoreContext, request: RequestInfo, offer: OfferInfo): Record<string, unknown> {
  const { rng } = ctx;
  const attempts = Array.from({ length: rng.int(0, 3) }, () => ({
    attemptedAt: ctx.date(offer.createdAt, 15),
    sellerId: offer.sellerId,
    outcome: rng.pick(['delivered', 'failed', 'rescheduled', 'refused']),
    ...(rng.chance(0.4) ? { notes: 'Customer not at home' } : {}),
  }));
  return {
    method: rng.pick(['courier', 'pickup', 'post']),
    carrier: rng.pick(['Aramex', 'DHL', 'UPS']),
    trackingNumber: rng.hex(6).toUpperCase(),
    status: rng.pick(['pending', 'shipped', 'in_transit', 'delivered']),
    estimatedDeliveryAt: ctx.date(request.createdAt, 30),
    ...(attempts.length > 0 ? { deliveryAttempts: attempts } : {}),
  };
}

/** Up to `count` different ids (a composite primary key forbids repeats). */
function distinct(rng: Random, from: readonly ObjectId[], count: number): ObjectId[] {
  const picked = new Map<string, ObjectId>();
  for (let tries = 0; picked.size < Math.min(count, from.length) && tries < count * 4; tries++) {
    const id = rng.pick(from);
    picked.set(id.toHexString(), id);
  }
  return [...picked.values()];
}
