// What the live mode knows about the seeded database: the accepted documents it may
// change, with the state each is in. Only accepted documents are targets, so every
// change keeps a document valid for its mapping (rejected and orphaned documents
// stay as seeded). The planner (live-plan.ts) updates this model as it plans.

import type { Db } from 'mongodb';
import type { ObjectId } from 'bson';
import { toPlainDecimal } from '../transform/index.js';
import type { GeneratedDoc } from './model.js';

export interface PaymentEntity {
  id: ObjectId;
  status: string;
  purchaseRequestId: ObjectId;
  /** As stored (Decimal128 or lean { $numberDecimal }), copied into ledger entries. */
  amount: unknown;
  amountText: string;
  currency: string;
}

export interface OfferEntity {
  id: ObjectId;
  status: string;
  sellerId: ObjectId;
  amountText: string;
  currency: string;
}

export interface RequestEntity {
  id: ObjectId;
  status: string;
  buyerId: ObjectId;
  offers: OfferEntity[];
  selectedOfferId: ObjectId | undefined;
  /**
   * Created by the live mode and referenced by nothing but its own offers: the only
   * requests it deletes (seeded ones have ledger entries, chats, quotes, ... pointing at them).
   */
  deletable: boolean;
}

export interface ChatEntity {
  id: ObjectId;
  /** As stored: ObjectIds, or their hex text (the mapping accepts both). */
  participants: unknown[];
}

export interface LiveState {
  users: ObjectId[];
  sellers: ObjectId[];
  categories: ObjectId[];
  requests: RequestEntity[];
  payments: PaymentEntity[];
  chats: ChatEntity[];
  notifications: ObjectId[];
  tempVerifications: ObjectId[];
}

/** One target spelling per status: legacy 'canceled' documents are in the 'cancelled' state. */
const normalStatus = (status: unknown): string => (status === 'canceled' ? 'cancelled' : String(status));

/** The model of a freshly seeded database: the accepted documents of generateWorkload(). */
export function liveStateFrom(docs: readonly GeneratedDoc[]): LiveState {
  const accepted = (collection: string) => docs.filter((d) => d.collection === collection && d.expect === 'accepted').map((d) => d.doc);
  const state: LiveState = {
    users: [], sellers: [], categories: [], requests: [], payments: [], chats: [], notifications: [], tempVerifications: [],
  };
  for (const u of accepted('users')) {
    state.users.push(u._id as ObjectId);
    if (u.role === 'seller') state.sellers.push(u._id as ObjectId);
  }
  state.categories = accepted('categories').filter((c) => c.isActive !== false).map((c) => c._id as ObjectId);
  const requests = new Map<string, RequestEntity>();
  for (const r of accepted('purchaseRequests')) {
    const entity: RequestEntity = {
      id: r._id as ObjectId, status: normalStatus(r.status), buyerId: r.buyerId as ObjectId, offers: [],
      selectedOfferId: r.selectedOfferId as ObjectId | undefined, deletable: false,
    };
    requests.set(entity.id.toHexString(), entity);
    state.requests.push(entity);
  }
  for (const o of accepted('sellerOffers')) {
    const price = o.price as { amount: unknown; currency: string };
    requests.get((o.purchaseRequestId as ObjectId).toHexString())?.offers.push({
      id: o._id as ObjectId, status: normalStatus(o.status), sellerId: o.sellerId as ObjectId,
      amountText: toPlainDecimal(price.amount, `sellerOffers ${String(o._id)} price.amount`), currency: price.currency,
    });
  }
  for (const p of accepted('payments')) {
    state.payments.push({
      id: p._id as ObjectId, status: normalStatus(p.status), purchaseRequestId: p.purchaseRequestId as ObjectId,
      amount: p.amount, amountText: toPlainDecimal(p.amount, `payments ${String(p._id)} amount`), currency: String(p.currency),
    });
  }
  state.chats = accepted('chats').map((c) => ({ id: c._id as ObjectId, participants: c.participants as unknown[] }));
  state.notifications = accepted('notifications').map((n) => n._id as ObjectId);
  state.tempVerifications = accepted('tempVerifications').map((t) => t._id as ObjectId);
  return state;
}

/**
 * Brings the model in line with a database an earlier live run already changed
 * (`tidemark demo live` after `demo seed`): documents gone are dropped, statuses
 * and selections are read back, and a payment whose amount is no longer valid is
 * left alone. Returns how many modelled documents the database still holds.
 */
export async function refreshLiveState(db: Db, state: LiveState): Promise<number> {
  let found = 0;
  const current = async (collection: string, ids: ObjectId[], fields: Record<string, 1>) => {
    const byId = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += 1000) {
      const docs = await db.collection(collection).find({ _id: { $in: ids.slice(i, i + 1000) } }, { projection: fields }).toArray();
      for (const d of docs) byId.set((d._id as ObjectId).toHexString(), d);
    }
    found += byId.size;
    return byId;
  };
  const requests = await current('purchaseRequests', state.requests.map((r) => r.id), { status: 1, selectedOfferId: 1 });
  const offers = await current('sellerOffers', state.requests.flatMap((r) => r.offers.map((o) => o.id)), { status: 1 });
  state.requests = state.requests.filter((r) => requests.has(r.id.toHexString()));
  for (const r of state.requests) {
    const doc = requests.get(r.id.toHexString())!;
    r.status = normalStatus(doc.status);
    r.selectedOfferId = doc.selectedOfferId as ObjectId | undefined;
    r.offers = r.offers.filter((o) => offers.has(o.id.toHexString()));
    for (const o of r.offers) o.status = normalStatus(offers.get(o.id.toHexString())!.status);
  }
  const payments = await current('payments', state.payments.map((p) => p.id), { status: 1, amount: 1 });
  state.payments = state.payments.filter((p) => payments.get(p.id.toHexString())?.amount != null);
  for (const p of state.payments) p.status = normalStatus(payments.get(p.id.toHexString())!.status);
  const present = async (collection: string, ids: ObjectId[]) => {
    const docs = await current(collection, ids, { _id: 1 });
    return ids.filter((id) => docs.has(id.toHexString()));
  };
  const chatIds = new Set((await present('chats', state.chats.map((c) => c.id))).map((id) => id.toHexString()));
  state.chats = state.chats.filter((c) => chatIds.has(c.id.toHexString()));
  state.notifications = await present('notifications', state.notifications);
  state.tempVerifications = await present('tempVerifications', state.tempVerifications);
  return found;
}
