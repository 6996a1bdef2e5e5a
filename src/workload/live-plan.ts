// The live mode's choice of operations: seeded and reproducible. The planner draws
// each operation from its own PRNG and its model of the database (live-state.ts),
// which it updates as it plans, so the same seed and state give the same operations
// whatever the timing of the writes. Operations are data (live.ts runs them), and
// every write keeps its document valid for its mapping, except the deliberate
// hard case (null-amount), which the sink must reject.

import { Decimal128, type ObjectId } from 'bson';
import { decimalText } from './core-context.js';
import {
  chatMessage, ledgerDoc, newId, notificationDoc, offerDoc, paymentDoc, requestDoc, tempVerificationDoc,
} from './live-docs.js';
import type { LiveState, OfferEntity, PaymentEntity, RequestEntity } from './live-state.js';
import { Random } from './random.js';

export const LIVE_KINDS = [
  'payment-transition', 'webhook-race', 'request-transition', 'offer-transition', 'insert-deal',
  'insert-registration', 'delete-leaf', 'delete-cascade', 'chat-message', 'null-amount',
] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** Relative frequency of each kind; the hard case is occasional. */
const WEIGHTS: Record<LiveKind, number> = {
  'payment-transition': 18, 'webhook-race': 8, 'request-transition': 12, 'offer-transition': 6, 'insert-deal': 14,
  'insert-registration': 4, 'delete-leaf': 10, 'delete-cascade': 4, 'chat-message': 20, 'null-amount': 1,
};

// State machines (connectors/*.yaml). Repeats weight the common path; states
// without an entry are terminal.
const PAYMENT_NEXT: Record<string, readonly string[]> = {
  pending: ['processing', 'processing', 'processing', 'cancelled', 'failed'],
  processing: ['completed', 'completed', 'completed', 'failed'],
  completed: ['refunded'],
};
const REQUEST_NEXT: Record<string, readonly string[]> = {
  draft: ['open'],
  open: ['offer_accepted', 'offer_accepted', 'offer_accepted', 'cancelled', 'expired'],
  offer_accepted: ['paid'],
  paid: ['in_progress'],
  in_progress: ['shipped'],
  shipped: ['delivered'],
  delivered: ['completed', 'completed', 'disputed'],
  disputed: ['completed'],
};
/** A pending offer may be withdrawn or expire while its request is still choosing. */
const CHOOSING = new Set(['draft', 'open']);
const OPEN_PAYMENT = new Set(['pending', 'processing']);

export type LiveWrite =
  | { op: 'insertOne'; collection: string; doc: Record<string, unknown> }
  /** guard: a conditional update (CR-13/CR-17's UPDATE … WHERE status = expected). */
  | { op: 'updateOne'; collection: string; filter: Record<string, unknown>; update: Record<string, unknown>; guard?: boolean }
  | { op: 'deleteOne'; collection: string; filter: Record<string, unknown> };

/** A change the sink must reject; PostgreSQL keeps the last valid version (`before`). */
export interface RejectedUpdate {
  collection: string;
  id: ObjectId;
  reason: string;
  before: string;
}

export interface LiveOp {
  kind: LiveKind;
  /**
   * Every document it writes (`collection:hex _id`, inserts included): operations
   * sharing a key run in plan order, so nothing touches a document before the
   * operation creating it has run; others run concurrently.
   */
  keys: string[];
  /**
   * Run one after another (parents before children); the writes of one step are
   * issued at once. A step whose guarded updates all matched nothing ends the
   * operation: the document had moved on (a model older than the database).
   */
  steps: LiveWrite[][];
  rejected?: RejectedUpdate;
}

/** The live PRNG's seed: another stream than the generator's for the same seed. */
const liveSeed = (seed: number) => (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + 0x632be5ab) >>> 0;

export class LivePlanner {
  private readonly rng: Random;

  constructor(private readonly state: LiveState, seed: number, private readonly now: () => Date = () => new Date()) {
    this.rng = new Random(liveSeed(seed));
    if (state.users.length === 0) throw new Error('live workload: the model has no users (was the database seeded?)');
  }

  next(): LiveOp {
    for (let tries = 0; tries < 100; tries++) {
      const op = this.plan(this.pickKind());
      if (op) return op;
    }
    throw new Error('live workload: no operation possible on this state');
  }

  private pickKind(): LiveKind {
    const total = LIVE_KINDS.reduce((n, k) => n + WEIGHTS[k], 0);
    let r = this.rng.next() * total;
    for (const k of LIVE_KINDS) if ((r -= WEIGHTS[k]) < 0) return k;
    return LIVE_KINDS[LIVE_KINDS.length - 1]!;
  }

  /** The operation of this kind, or undefined when the model has nothing it applies to. */
  private plan(kind: LiveKind): LiveOp | undefined {
    switch (kind) {
      case 'payment-transition': return this.paymentTransition();
      case 'webhook-race': return this.webhookRace();
      case 'request-transition': return this.requestTransition();
      case 'offer-transition': return this.offerTransition();
      case 'insert-deal': return this.insertDeal();
      case 'insert-registration': return this.insertRegistration();
      case 'delete-leaf': return this.deleteLeaf();
      case 'delete-cascade': return this.deleteCascade();
      case 'chat-message': return this.chatMessage();
      case 'null-amount': return this.nullAmount();
    }
  }

  // ------------------------------------------------------------------ payments

  private paymentTransition(): LiveOp | undefined {
    const open = this.state.payments.filter((p) => OPEN_PAYMENT.has(p.status));
    const completed = this.state.payments.filter((p) => p.status === 'completed');
    // Mostly the open ones; refunds of completed payments are the exception.
    const pool = open.length > 0 && (completed.length === 0 || this.rng.chance(0.85)) ? open : completed;
    if (pool.length === 0) return undefined;
    const payment = this.rng.pick(pool);
    const from = payment.status;
    const to = this.rng.pick(PAYMENT_NEXT[from]!);
    const now = this.now();
    const steps: LiveWrite[][] = [[{
      op: 'updateOne', collection: 'payments', guard: true, filter: { _id: payment.id, status: from },
      update: { $set: { status: to, updatedAt: now, ...(to === 'completed' ? { txHash: `0x${this.rng.hex(32)}` } : {}) } },
    }]];
    payment.status = to;
    steps.push(...this.ledgerFor(payment, to, now));
    return liveOp('payment-transition', steps);
  }

  /** CR-13: the provider's webhook delivered more than once, at once, plus a metadata update in parallel. */
  private webhookRace(): LiveOp | undefined {
    const open = this.state.payments.filter((p) => OPEN_PAYMENT.has(p.status));
    if (open.length === 0) return undefined;
    const payment = this.rng.pick(open);
    const from = payment.status;
    const to = from === 'pending' ? 'processing' : 'completed';
    const now = this.now();
    const txHash = to === 'completed' ? { txHash: `0x${this.rng.hex(32)}` } : {};
    const race: LiveWrite[] = [
      { op: 'updateOne', collection: 'payments', guard: true, filter: { _id: payment.id, status: from }, update: { $set: { status: to, updatedAt: now, ...txHash } } },
      {
        op: 'updateOne', collection: 'payments', guard: true, filter: { _id: payment.id, status: { $in: [...OPEN_PAYMENT] } },
        update: { $set: { status: to, updatedAt: now, 'metadata.webhookDeliveryId': this.rng.hex(8) } },
      },
      { op: 'updateOne', collection: 'payments', filter: { _id: payment.id }, update: { $set: { 'metadata.lastWebhookAt': now }, $inc: { 'metadata.webhookCount': 1 } } },
    ];
    payment.status = to;
    return liveOp('webhook-race', [race, ...this.ledgerFor(payment, to, now)]);
  }

  private ledgerFor(payment: PaymentEntity, status: string, now: Date): LiveWrite[][] {
    if (status !== 'completed' && status !== 'refunded') return [];
    const entry = ledgerDoc(this.rng, payment, status === 'completed' ? 'escrow_deposit' : 'refund', now);
    return [[{ op: 'insertOne', collection: 'fundsLedger', doc: entry }]];
  }

  /** The audit's CR-4 case arriving live: a payment's amount set to NULL. */
  private nullAmount(): LiveOp | undefined {
    if (this.state.payments.length === 0) return undefined;
    const index = this.rng.int(0, this.state.payments.length - 1);
    const [payment] = this.state.payments.splice(index, 1); // left alone from now on
    return liveOp(
      'null-amount',
      [[{ op: 'updateOne', collection: 'payments', filter: { _id: payment!.id }, update: { $set: { amount: null, updatedAt: this.now() } } }]],
      { collection: 'payments', id: payment!.id, reason: 'NULL payment amount (CR-4)', before: payment!.amountText },
    );
  }

  // ------------------------------------------------------------------ purchase requests and offers

  private requestTransition(): LiveOp | undefined {
    const movable = this.state.requests.filter((r) => REQUEST_NEXT[r.status] !== undefined);
    if (movable.length === 0) return undefined;
    const request = this.rng.pick(movable);
    const pending = request.offers.filter((o) => o.status === 'pending');
    const choices = REQUEST_NEXT[request.status]!.filter((s) => s !== 'offer_accepted' || pending.length > 0);
    const to = this.rng.pick(choices);
    if (to === 'offer_accepted') return liveOp('request-transition', this.acceptOffer(request));
    const now = this.now();
    const extra: Record<string, unknown> =
      to === 'paid' ? { escrowState: 'funded' }
      : to === 'completed' ? { escrowState: 'released' }
      : to === 'shipped' ? { sellerDeliveryInfo: { carrier: this.rng.pick(['Aramex', 'DHL', 'UPS']), trackingNumber: this.rng.hex(6).toUpperCase(), shippedAt: now } }
      : {};
    const from = request.status;
    request.status = to;
    return liveOp('request-transition', [[
      { op: 'updateOne', collection: 'purchaseRequests', guard: true, filter: { _id: request.id, status: from }, update: { $set: { status: to, updatedAt: now, ...extra } } },
    ]]);
  }

  /**
   * acceptOffer (CR-15's sequence, without a transaction as in MongoDB): the request
   * selects an offer, that offer is accepted and the other pending ones rejected,
   * then the pending payment and the seller's notification are inserted.
   */
  private acceptOffer(request: RequestEntity): LiveWrite[][] {
    const pending = request.offers.filter((o) => o.status === 'pending');
    const offer = this.rng.pick(pending);
    const now = this.now();
    const select: LiveWrite = {
      op: 'updateOne', collection: 'purchaseRequests', guard: true, filter: { _id: request.id, status: request.status },
      update: { $set: { status: 'offer_accepted', selectedOfferId: offer.id, updatedAt: now } },
    };
    const decide: LiveWrite[] = pending.map((o) => ({
      op: 'updateOne', collection: 'sellerOffers', filter: { _id: o.id, status: 'pending' },
      update: { $set: { status: o === offer ? 'accepted' : 'rejected', updatedAt: now } },
    }));
    const payment: PaymentEntity = {
      id: newId(this.rng, now), status: 'pending', purchaseRequestId: request.id, amount: Decimal128.fromString(offer.amountText),
      amountText: offer.amountText, currency: offer.currency,
    };
    const inserts: LiveWrite[] = [
      { op: 'insertOne', collection: 'payments', doc: paymentDoc(this.rng, payment, request, offer, now) },
      { op: 'insertOne', collection: 'notifications', doc: this.notification(offer.sellerId, 'offer_accepted', request.id, now) },
    ];
    request.status = 'offer_accepted';
    request.selectedOfferId = offer.id;
    request.deletable = false; // a payment (and soon ledger entries) refer to it
    for (const o of pending) o.status = o === offer ? 'accepted' : 'rejected';
    this.state.payments.push(payment);
    return [[select], decide, inserts];
  }

  private offerTransition(): LiveOp | undefined {
    const candidates = this.state.requests
      .filter((r) => CHOOSING.has(r.status))
      .flatMap((r) => r.offers.filter((o) => o.status === 'pending').map((o) => [r, o] as const));
    if (candidates.length === 0) return undefined;
    const [request, offer] = this.rng.pick(candidates);
    const to = this.rng.pick(['withdrawn', 'expired']);
    offer.status = to;
    return liveOp('offer-transition', [[
      { op: 'updateOne', collection: 'sellerOffers', guard: true, filter: { _id: offer.id, status: 'pending' }, update: { $set: { status: to, updatedAt: this.now() } } },
    ]]);
  }

  /** A new purchase request, then its offers, then (mostly at once) the accepted offer's payment: parents first. */
  private insertDeal(): LiveOp {
    const now = this.now();
    const sellers = this.state.sellers.length > 0 ? this.state.sellers : this.state.users;
    const request: RequestEntity = {
      id: newId(this.rng, now), status: 'open', buyerId: this.rng.pick(this.state.users), offers: [], selectedOfferId: undefined, deletable: true,
    };
    const category = this.state.categories.length > 0 ? this.rng.pick(this.state.categories) : undefined;
    const offers: OfferEntity[] = Array.from({ length: this.rng.int(1, 3) }, () => ({
      id: newId(this.rng, now), status: 'pending', sellerId: this.rng.pick(sellers),
      amountText: decimalText(this.rng, 5, 5000, 2), currency: this.rng.pick(['USDT', 'USDC']),
    }));
    const steps: LiveWrite[][] = [
      [{ op: 'insertOne', collection: 'purchaseRequests', doc: requestDoc(this.rng, request.id, request.buyerId, category, now) }],
      offers.map((o) => ({ op: 'insertOne', collection: 'sellerOffers', doc: offerDoc(this.rng, o, request.id, now) })),
      [{ op: 'insertOne', collection: 'notifications', doc: this.notification(request.buyerId, 'offer_received', request.id, now) }],
    ];
    request.offers = offers;
    this.state.requests.push(request);
    if (this.rng.chance(0.6)) steps.push(...this.acceptOffer(request));
    return liveOp('insert-deal', steps);
  }

  /**
   * A buyer withdraws a request nothing else refers to: the request is deleted first,
   * then its offers, so the sink sees a parent delete while its children still exist.
   */
  private deleteCascade(): LiveOp | undefined {
    const deletable = this.state.requests.filter((r) => r.deletable && r.selectedOfferId === undefined);
    if (deletable.length === 0) return undefined;
    const request = this.rng.pick(deletable);
    this.state.requests.splice(this.state.requests.indexOf(request), 1);
    return liveOp('delete-cascade', [
      [{ op: 'deleteOne', collection: 'purchaseRequests', filter: { _id: request.id } }],
      request.offers.map((o) => ({ op: 'deleteOne', collection: 'sellerOffers', filter: { _id: o.id } })),
    ]);
  }

  // ------------------------------------------------------------------ leaves and chats

  private notification(userId: ObjectId, type: 'offer_received' | 'offer_accepted', requestId: ObjectId, now: Date): Record<string, unknown> {
    const doc = notificationDoc(this.rng, userId, type, requestId, now);
    this.state.notifications.push(doc._id as ObjectId);
    return doc;
  }

  private insertRegistration(): LiveOp {
    const doc = tempVerificationDoc(this.rng, this.now());
    this.state.tempVerifications.push(doc._id as ObjectId);
    return liveOp('insert-registration', [[{ op: 'insertOne', collection: 'tempVerifications', doc }]]);
  }

  /** A read notification cleaned up, or a verification code used or expired: nothing refers to either. */
  private deleteLeaf(): LiveOp | undefined {
    const { notifications, tempVerifications } = this.state;
    const pools = [['notifications', notifications], ['tempVerifications', tempVerifications]] as const;
    const available = pools.filter(([, ids]) => ids.length > 0);
    if (available.length === 0) return undefined;
    const [collection, ids] = this.rng.pick(available);
    const [id] = ids.splice(this.rng.int(0, ids.length - 1), 1);
    return liveOp('delete-leaf', [[{ op: 'deleteOne', collection, filter: { _id: id } }]]);
  }

  /** ChatService.addMessage: one message appended with $push. */
  private chatMessage(): LiveOp | undefined {
    if (this.state.chats.length === 0) return undefined;
    const chat = this.rng.pick(this.state.chats);
    const now = this.now();
    const message = chatMessage(this.rng, this.rng.pick(chat.participants), now);
    return liveOp('chat-message', [[
      { op: 'updateOne', collection: 'chats', filter: { _id: chat.id }, update: { $push: { messages: message }, $set: { lastMessageAt: now, updatedAt: now } } },
    ]]);
  }
}

function liveOp(kind: LiveKind, steps: LiveWrite[][], rejected?: RejectedUpdate): LiveOp {
  const keys = new Set(steps.flat().map((w) => `${w.collection}:${String(w.op === 'insertOne' ? w.doc._id : w.filter._id)}`));
  return { kind, keys: [...keys], steps, ...(rejected ? { rejected } : {}) };
}
