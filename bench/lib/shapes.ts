// The bench's document shapes and change mixes, built on the workload generator's
// documents so benches replicate what Amanat stores. Exported for every stage's probes.
import { BSON, Decimal128, ObjectId, type Document } from 'bson';
import { chatMessage } from '../../src/workload/live-docs.js';
import { paymentDocument } from '../../src/workload/payments.js';
import { Random } from '../../src/workload/random.js';

export type ShapeName = 'small' | 'medium' | 'large';
export type MixName = 'insert-only' | 'update-heavy' | 'mixed-80-15-5';

/** Parent documents the medium and large shapes refer to; they must exist before the children arrive. */
export interface Parents {
  users: ObjectId[];
  purchaseRequests: ObjectId[];
}

export const SHAPES: Record<ShapeName, { collection: string; about: string }> = {
  small: { collection: 'payments', about: '~300 B flat payment, no references' },
  medium: { collection: 'payments', about: '~1.2 KB nested payment: buyer, purchase request and seller references, checkout metadata' },
  large: { collection: 'chats', about: '~20 KB chat: participants and ~60 messages fanning out into chat_messages' },
};

export function makeParents(rng: Random, users = 200, requests = 200): Parents {
  const ids = (n: number) => Array.from({ length: n }, () => new ObjectId(rng.hex(12)));
  return { users: ids(users), purchaseRequests: ids(requests) };
}

/** The generator's payment, with no references: small and flat. */
export function smallDocument(rng: Random): Document {
  return paymentDocument(rng);
}

/** A payment as createPaymentRecord writes it after checkout: references plus nested metadata (kept in `extra`). */
export function mediumDocument(rng: Random, parents: Parents): Document {
  const doc = paymentDocument(rng);
  if (doc.amount === null) doc.amount = Decimal128.fromString('1');
  const items = Array.from({ length: rng.int(2, 4) }, (_, i) => ({
    sku: `SKU-${rng.hex(4)}`,
    title: `Item ${i + 1} ${rng.hex(6)}`,
    quantity: rng.int(1, 5),
    unitPrice: Decimal128.fromString(`${rng.int(1, 900)}.${rng.int(0, 99)}`),
  }));
  return {
    ...doc,
    purchaseRequestId: rng.pick(parents.purchaseRequests),
    buyerId: rng.pick(parents.users),
    metadata: {
      ...(doc.metadata as Document),
      sellerId: rng.pick(parents.users).toHexString(),
      checkout: {
        sessionId: rng.hex(16),
        items,
        shipping: { name: `Buyer ${rng.hex(4)}`, street: `${rng.int(1, 999)} Market Street`, city: 'Dubai', country: 'AE', postalCode: `${rng.int(10000, 99999)}` },
        fees: { platform: Decimal128.fromString(`${rng.int(0, 50)}.${rng.int(0, 99)}`), network: Decimal128.fromString(`0.${rng.hex(3).replace(/[a-f]/g, '3')}`) },
      },
      client: { ip: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, locale: rng.pick(['en-US', 'ar-AE', 'ru-RU']), screen: '1920x1080' },
      webhook: { deliveredAt: new Date(), attempts: rng.int(1, 3), lastStatus: 200, signature: rng.hex(32) },
    },
  };
}

/** A chat with its messages: the embedded array fans out into chat_messages (and participants). */
export function largeDocument(rng: Random, parents: Parents, messages = 60): Document {
  const now = new Date(Date.UTC(2025, 5, 1) + rng.int(0, 86400 * 100) * 1000);
  const participants = [rng.pick(parents.users), rng.pick(parents.users)];
  return {
    _id: new ObjectId(rng.hex(12)),
    type: 'purchase_request',
    purchaseRequestId: rng.pick(parents.purchaseRequests),
    title: `Deal ${rng.hex(6)}`,
    participants,
    messages: Array.from({ length: messages }, () => ({
      ...chatMessage(rng, rng.pick(participants), now),
      content: `Message ${rng.hex(4)}: ${'shipping details, photos and payment terms '.repeat(rng.int(4, 8))}`,
      isEdited: rng.chance(0.1),
    })),
    unreadCounts: participants.map((userId) => ({ userId, count: rng.int(0, 9) })),
    lastMessageAt: now,
    isActive: true,
    createdAt: now,
    updatedAt: now,
  };
}

export function documentOf(shape: ShapeName, rng: Random, parents: Parents): Document {
  if (shape === 'small') return smallDocument(rng);
  if (shape === 'medium') return mediumDocument(rng, parents);
  return largeDocument(rng, parents);
}

/** One change of a mix: op as the envelope spells it, the document after it (null for a delete), its version. */
export interface BenchChange {
  op: 'c' | 'u' | 'd';
  id: ObjectId;
  doc: Document | null;
  /** Cluster time (seconds, increment): strictly increasing along the mix. */
  t: number;
  i: number;
}

/** An update as the application makes it: a new status and updatedAt on the same document. */
function updated(rng: Random, doc: Document): Document {
  return { ...doc, status: rng.pick(['processing', 'completed', 'failed', 'refunded']), updatedAt: new Date() };
}

/**
 * `n` changes of a mix: insert-only (every key once), update-heavy (each key inserted
 * then updated to 5–10 versions in all, interleaved across keys), 80/15/5
 * insert/update/delete over the keys inserted so far.
 */
export function changeMix(mix: MixName, shape: ShapeName, n: number, seed: number, parents: Parents): BenchChange[] {
  const rng = new Random(seed);
  const out: BenchChange[] = [];
  let clock = 0;
  const version = () => {
    clock++;
    return { t: 1_750_000_000 + Math.floor(clock / 100_000), i: (clock % 100_000) + 1 };
  };
  const insert = (): BenchChange => {
    const doc = documentOf(shape, rng, parents);
    return { op: 'c', id: doc._id as ObjectId, doc, ...version() };
  };
  if (mix === 'insert-only') {
    while (out.length < n) out.push(insert());
    return out;
  }
  if (mix === 'update-heavy') {
    // Keys are live in small groups so each one's versions are spread over a window of changes.
    const live: Array<{ doc: Document; left: number }> = [];
    while (out.length < n) {
      if (live.length < 50) {
        const c = insert();
        out.push(c);
        live.push({ doc: c.doc!, left: rng.int(4, 9) });
        continue;
      }
      const k = rng.int(0, live.length - 1);
      const entry = live[k]!;
      entry.doc = updated(rng, entry.doc);
      out.push({ op: 'u', id: entry.doc._id as ObjectId, doc: entry.doc, ...version() });
      if (--entry.left === 0) live.splice(k, 1);
    }
    return out;
  }
  const live: Document[] = [];
  while (out.length < n) {
    const roll = rng.next();
    if (live.length === 0 || roll < 0.8) {
      const c = insert();
      out.push(c);
      live.push(c.doc!);
    } else if (roll < 0.95) {
      const k = rng.int(0, live.length - 1);
      live[k] = updated(rng, live[k]!);
      out.push({ op: 'u', id: live[k]!._id as ObjectId, doc: live[k]!, ...version() });
    } else {
      const k = rng.int(0, live.length - 1);
      const [gone] = live.splice(k, 1);
      out.push({ op: 'd', id: gone!._id as ObjectId, doc: null, ...version() });
    }
  }
  return out;
}

/** BSON size of a document, to check a shape is the size it claims. */
export const bsonBytes = (doc: Document): number => BSON.calculateObjectSize(doc);
