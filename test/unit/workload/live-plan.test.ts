// The live mode's operation choice (src/workload/live-plan.ts): seeded and
// reproducible, every kind reachable, and every write keeps its document valid for
// its mapping (except the deliberate NULL-amount hard case) with parents written
// before children. The writes are replayed on an in-memory copy of the seeded
// database and every touched document goes through transformDocument.
import { BSON, EJSON, type ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { canonicalKey, loadMappings, transformDocument, uuidFor, type Mapping } from '../../../src/transform/index.js';
import { generateWorkload } from '../../../src/workload/generate.js';
import { LIVE_KINDS, LivePlanner, type LiveOp, type LiveWrite } from '../../../src/workload/live-plan.js';
import { liveStateFrom } from '../../../src/workload/live-state.js';

const docs = generateWorkload({ seed: 7, purchaseRequests: 60 });
const mappings = new Map(loadMappings('connectors').map((m) => [m.collection, m]));

function plan(seed: number, count: number): LiveOp[] {
  let tick = 0;
  const planner = new LivePlanner(liveStateFrom(docs), seed, () => new Date(Date.UTC(2026, 0, 1) + tick++ * 1000));
  return Array.from({ length: count }, () => planner.next());
}

describe('live workload operation choice', () => {
  it('is reproducible: the same seed and state give the same operations, another seed others', () => {
    const a = EJSON.stringify(plan(11, 1500), { relaxed: false });
    expect(EJSON.stringify(plan(11, 1500), { relaxed: false })).toBe(a);
    expect(EJSON.stringify(plan(12, 1500), { relaxed: false })).not.toBe(a);
    expect(a.length).toBeGreaterThan(100_000);
  });

  it('reaches every kind, and every write leaves a valid document whose references exist', () => {
    const ops = plan(11, 3000);
    const kinds = new Map<string, number>();
    for (const op of ops) kinds.set(op.kind, (kinds.get(op.kind) ?? 0) + 1);
    expect([...LIVE_KINDS].filter((k) => !kinds.has(k))).toEqual([]);

    const db = new MemoryDb();
    for (const d of docs) db.insert(d.collection, clone(d.doc));
    const orphans = new Set(docs.filter((d) => d.expect === 'orphan').map((d) => `${d.collection}|${canonicalKey(d.doc._id)}`));
    const nulled = new Set<string>();
    let writes = 0;
    let concurrentSteps = 0;
    for (const op of ops) {
      if (op.rejected) nulled.add(`${op.rejected.collection}|${canonicalKey(op.rejected.id)}`);
      for (const step of op.steps) {
        const ids = step.map((w) => String(idOf(w)));
        if (new Set(ids).size < ids.length) concurrentSteps += 1; // several writes to one document at once
        for (const w of step) {
          writes += 1;
          const touched = db.apply(w);
          if (touched === undefined) continue;
          const key = `${w.collection}|${canonicalKey(touched._id)}`;
          const out = tryTransform(mappings.get(w.collection)!, touched);
          if (nulled.has(key)) {
            expect(out, `${op.kind} ${key}: the hard case must be rejected`).toBeInstanceOf(RejectedRecord);
            continue;
          }
          expect(out, `${op.kind} ${key}`).not.toBeInstanceOf(RejectedRecord);
          // Parents first: what an inserted or updated document refers to already exists.
          for (const [column, parent] of refs(mappings.get(w.collection)!)) {
            const id = (out as Record<string, string | null>)[column];
            if (id) expect(db.has(parent, id), `${op.kind} ${key}: ${column} → ${parent}`).toBe(true);
          }
        }
      }
    }
    expect(concurrentSteps).toBe(kinds.get('webhook-race'));
    expect(writes).toBeGreaterThan(ops.length);
    // After everything (deletes included), no accepted document refers to a missing one.
    for (const [collection, store] of db.collections) {
      const m = mappings.get(collection)!;
      for (const doc of store.values()) {
        const key = `${collection}|${canonicalKey(doc._id)}`;
        const out = tryTransform(m, doc);
        if (out instanceof RejectedRecord || orphans.has(key)) continue;
        for (const [column, parent] of refs(m)) {
          if (out[column]) expect(db.has(parent, out[column]!), `${key}: ${column} → ${parent}`).toBe(true);
        }
      }
    }
  });
});

/** A stored copy, with the types the sink sees (src/sink/decode.ts). */
const clone = (doc: Record<string, unknown>): Record<string, unknown> =>
  BSON.deserialize(BSON.serialize(doc), { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true });

function tryTransform(m: Mapping, doc: Record<string, unknown>): Record<string, string | null> | RejectedRecord {
  try {
    return transformDocument(m, doc).row;
  } catch (err) {
    if (err instanceof RejectedRecord) return err;
    throw err;
  }
}

const refs = (m: Mapping): Array<[string, string]> => m.columns.filter((c) => c.type === 'ref').map((c) => [c.column, c.references!]);

function idOf(w: LiveWrite): unknown {
  return w.op === 'insertOne' ? w.doc._id : w.filter._id;
}

/** Just enough of MongoDB for the planner's writes: _id/status filters, $set, $inc, $push. */
class MemoryDb {
  readonly collections = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly uuids = new Map<string, Set<string>>();

  insert(collection: string, doc: Record<string, unknown>): void {
    const store = this.store(collection);
    const key = String(doc._id);
    if (store.has(key)) throw new Error(`duplicate _id ${key} in ${collection}`);
    store.set(key, doc);
    this.uuidsOf(collection).add(uuidFor(collection, doc._id));
  }

  has(collection: string, uuid: string): boolean {
    return this.uuidsOf(collection).has(uuid);
  }

  /** Applies a write; returns the document it left (undefined for a delete or no match). */
  apply(w: LiveWrite): Record<string, unknown> | undefined {
    if (w.op === 'insertOne') {
      this.insert(w.collection, clone(w.doc));
      return this.store(w.collection).get(String(w.doc._id));
    }
    const doc = this.store(w.collection).get(String(w.filter._id as ObjectId));
    if (!doc || !matches(doc, w.filter)) {
      if (w.op === 'updateOne' && w.guard !== true) throw new Error(`unguarded update of a missing ${w.collection} ${String(w.filter._id)}`);
      return undefined;
    }
    if (w.op === 'deleteOne') {
      this.store(w.collection).delete(String(doc._id));
      this.uuidsOf(w.collection).delete(uuidFor(w.collection, doc._id));
      return undefined;
    }
    for (const [operator, fields] of Object.entries(w.update)) {
      for (const [path, value] of Object.entries(fields as Record<string, unknown>)) {
        const segments = path.split('.');
        const parent = segments.slice(0, -1).reduce<Record<string, unknown>>((o, s) => (o[s] ??= {}) as Record<string, unknown>, doc);
        const last = segments[segments.length - 1]!;
        if (operator === '$set') parent[last] = value;
        else if (operator === '$inc') parent[last] = ((parent[last] as number | undefined) ?? 0) + (value as number);
        else if (operator === '$push') (parent[last] as unknown[]).push(value);
        else throw new Error(`MemoryDb: ${operator} not simulated`);
      }
    }
    return doc;
  }

  private store(collection: string): Map<string, Record<string, unknown>> {
    let s = this.collections.get(collection);
    if (!s) this.collections.set(collection, (s = new Map()));
    return s;
  }

  private uuidsOf(collection: string): Set<string> {
    let s = this.uuids.get(collection);
    if (!s) this.uuids.set(collection, (s = new Set()));
    return s;
  }
}

function matches(doc: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, want]) => {
    if (field === '_id') return true;
    if (want !== null && typeof want === 'object' && '$in' in want) return (want.$in as unknown[]).includes(doc[field]);
    return doc[field] === want;
  });
}
