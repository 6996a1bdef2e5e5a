// The live runner (src/workload/live.ts) against a MongoDB stand-in whose writes take
// random time: operations run concurrently, yet no write reaches a document before
// the operation that creates it has written it, a guarded transition never finds its
// document moved on, and the rate and in-flight bound hold.
import type { Db } from 'mongodb';
import type { ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { generateWorkload } from '../../../src/workload/generate.js';
import { liveStateFrom } from '../../../src/workload/live-state.js';
import { runLiveWorkload } from '../../../src/workload/live.js';

const docs = generateWorkload({ seed: 3, purchaseRequests: 40 });

describe('live workload runner', () => {
  it('keeps each document in plan order under concurrency, at the asked rate, within the in-flight bound', async () => {
    const fake = new SlowDb(new Set(docs.map((d) => `${d.collection}:${String(d.doc._id)}`)));
    const stats = await runLiveWorkload(fake as unknown as Db, liveStateFrom(docs), { rate: 1000, durationMs: 1500, seed: 5, maxInFlight: 40 });
    expect(fake.misses).toEqual([]);
    expect(stats.skipped).toBe(0);
    expect(stats.finished).toBe(stats.started);
    expect(stats.peakInFlight).toBeLessThanOrEqual(40);
    expect(stats.peakInFlight).toBeGreaterThan(5); // really concurrent
    // 1,500 due in 1.5 s; the bound and catch-up limit allow fewer, never more.
    expect(stats.started).toBeLessThanOrEqual(1500 + 100);
    expect(stats.started).toBeGreaterThan(300);
    expect(fake.writes).toBe(stats.writes.insertOne + stats.writes.updateOne + stats.writes.deleteOne);
  });
});

/** Documents exist from their insert to their delete; each write takes 0-15 ms. */
class SlowDb {
  misses: string[] = [];
  writes = 0;
  constructor(private readonly live: Set<string>) {}

  collection(name: string) {
    const key = (id: unknown) => `${name}:${String(id as ObjectId)}`;
    const later = <T>(f: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(f()), Math.random() * 15));
    return {
      insertOne: (doc: { _id: unknown }) => later(() => {
        this.writes += 1;
        if (this.live.has(key(doc._id))) this.misses.push(`insert of existing ${key(doc._id)}`);
        this.live.add(key(doc._id));
        return { acknowledged: true };
      }),
      updateOne: (filter: { _id: unknown }) => later(() => {
        this.writes += 1;
        const found = this.live.has(key(filter._id));
        if (!found) this.misses.push(`update of missing ${key(filter._id)}`);
        return { matchedCount: found ? 1 : 0 };
      }),
      deleteOne: (filter: { _id: unknown }) => later(() => {
        this.writes += 1;
        if (!this.live.delete(key(filter._id))) this.misses.push(`delete of missing ${key(filter._id)}`);
        return { deletedCount: 1 };
      }),
    };
  }
}
