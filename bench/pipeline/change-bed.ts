import { Timestamp, type Document } from 'bson';
import type { Db } from 'mongodb';
import type { Measurement } from '../lib/probe.js';
import type { SourceState } from '../../src/source/index.js';
import { tokenFromString } from '../../src/source/position.js';
import { captureStartPosition } from '../../src/source/start-position.js';
import { BENCH_COLLECTION } from './bed.js';

/** A collection with `docs` inserted after a recorded stream start: every drain from there reads the same changes. */
export interface Changes {
  db: Db;
  start: SourceState['start'];
  n: number;
}

export async function writeChangesAfterStart(db: Db, docs: Document[]): Promise<Changes> {
  const collection = db.collection(BENCH_COLLECTION);
  // The database must exist before the start is taken.
  await collection.insertOne({ _id: 'bench-warm-up' } as Document);
  await collection.deleteOne({ _id: 'bench-warm-up' } as Document);
  const start = await captureStartPosition(db, collection);
  await insertAll(db, docs);
  return { db, start, n: docs.length };
}

export async function insertAll(db: Db, docs: Document[]): Promise<void> {
  const collection = db.collection(BENCH_COLLECTION);
  for (let i = 0; i < docs.length; i += 1000) await collection.insertMany(docs.slice(i, i + 1000).map((d) => ({ ...d })));
}

/** Streaming from the recorded start: the state the source has after its snapshot. */
export function streamingFrom(start: SourceState['start']): SourceState {
  return { phase: 'stream', start, snapshotLastKey: null, snapshotCount: 0, resumeToken: start.token, clusterTime: start.clusterTime, ordinal: 0, updatedAtMs: Date.now() };
}

/** A bare change-stream drain (updateLookup, as the source asks) of the changes from the recorded start. */
export async function bareWatchDrain(changes: Changes, fullDocument: 'updateLookup' | 'whenAvailable' | 'required' = 'updateLookup'): Promise<Measurement> {
  const { start } = changes;
  const from = start.token
    ? { resumeAfter: tokenFromString(start.token) }
    : { startAtOperationTime: new Timestamp({ t: start.clusterTime.t, i: start.clusterTime.i }) };
  const started = performance.now();
  const stream = changes.db.collection(BENCH_COLLECTION).watch([], { ...from, maxAwaitTimeMS: 250, fullDocument });
  let seen = 0;
  try {
    while (seen < changes.n) if (await stream.tryNext()) seen++;
    return { events: seen, seconds: (performance.now() - started) / 1000 };
  } finally {
    await stream.close();
  }
}
