// Shared state and value helpers of the core-collections generator (core.ts,
// core-money.ts): the seeded PRNG, the hard-case rates, the output, and the pools
// of accepted ids that children may reference.

import { Decimal128, ObjectId } from 'bson';
import type { Expectation, GeneratedDoc, HardCaseRates, Pools } from './model.js';
import type { Random } from './random.js';

export const CORE_COLLECTIONS = [
  'users', 'categories', 'requestTemplates', 'purchaseRequests', 'sellerOffers', 'payments',
  'paymentQuotes', 'fundsLedger', 'derivedDestinations', 'trezorAccounts', 'pointTransactions', 'releaseHolds',
] as const;

const YEAR_START = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/** A purchase request as its children need it (accepted ones only). */
export interface RequestInfo {
  id: ObjectId;
  buyerId: ObjectId;
  createdAt: Date;
  doc: Record<string, unknown>;
  /** Accepted offers on it. */
  offers: OfferInfo[];
}

export interface OfferInfo {
  id: ObjectId;
  sellerId: ObjectId;
  amount: string;
  currency: string;
  createdAt: Date;
  doc: Record<string, unknown>;
}

export interface PaymentInfo {
  id: ObjectId;
  request: RequestInfo;
  offer: OfferInfo | undefined;
  amount: string;
  currency: string;
  createdAt: Date;
}

export class CoreContext {
  readonly docs: GeneratedDoc[] = [];
  readonly pools: Pools = Object.fromEntries(CORE_COLLECTIONS.map((c) => [c, [] as ObjectId[]])) as unknown as Pools;
  /** Accepted users by role, for realistic references. */
  readonly buyers: ObjectId[] = [];
  readonly sellers: ObjectId[] = [];
  readonly requests: RequestInfo[] = [];
  /** Accepted requests with a selected offer. */
  readonly selected: RequestInfo[] = [];
  readonly payments: PaymentInfo[] = [];

  constructor(readonly rng: Random, readonly rates: HardCaseRates) {}

  id(): ObjectId {
    return new ObjectId(this.rng.hex(12));
  }

  /** Records a document; only accepted ones become referencable parents. */
  add(collection: string, doc: Record<string, unknown>, expect: Expectation, why: string[] = []): void {
    this.docs.push({ collection, doc, expect, ...(why.length > 0 ? { why: why.join('; ') } : {}) });
    if (expect === 'accepted') this.pools[collection]!.push(doc._id as ObjectId);
  }

  /** A moment in 2025 (Jan 1 .. Nov 30), or up to `days` after `after`. */
  date(after?: Date, days = 20): Date {
    const base = after?.getTime() ?? YEAR_START;
    const span = after === undefined ? 334 * DAY_MS : days * DAY_MS;
    return new Date(base + Math.floor(this.rng.next() * span));
  }

  seller(): ObjectId {
    return this.rng.pick(this.sellers.length > 0 ? this.sellers : this.pools.users!);
  }

  buyer(): ObjectId {
    return this.rng.pick(this.buyers.length > 0 ? this.buyers : this.pools.users!);
  }

  /** Money as MongoDB holds it: Decimal128, or the lean `{ $numberDecimal }` form (CR-10). */
  money(text: string, why: string[]): unknown {
    if (this.rng.chance(this.rates.leanDecimal)) {
      why.push('lean {$numberDecimal} amount');
      return { $numberDecimal: text };
    }
    return Decimal128.fromString(text);
  }

  /** At most one not-accepted case per document: the first that fires. */
  danglingRef(): boolean {
    return this.rng.chance(this.rates.danglingRef);
  }
}

/** Canonical plain decimal text (no trailing fractional zeros) in [min, max] with up to `frac` decimals. */
export function decimalText(rng: Random, min: number, max: number, frac: number): string {
  const whole = rng.int(min, max);
  const digits = frac > 0 ? String(rng.int(0, 10 ** frac - 1)).padStart(frac, '0').replace(/0+$/, '') : '';
  return digits === '' ? String(whole) : `${whole}.${digits}`;
}

/** Plain decimal text → integer scaled by 10^18 (exact). */
export function toScaled(text: string): bigint {
  const [whole = '0', frac = ''] = text.split('.');
  return BigInt(whole) * 10n ** 18n + BigInt((frac + '0'.repeat(18)).slice(0, 18));
}

/** Integer scaled by 10^18 → canonical plain decimal text. */
export function fromScaled(value: bigint): string {
  const whole = value / 10n ** 18n;
  const frac = (value % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}
