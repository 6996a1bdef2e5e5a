import { Timestamp, type Document } from 'bson';
import type { Message } from 'kafkajs';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { sourceStateTopic } from '../../src/ops/kafka.js';
import { CollectionSource, TransactionalWriter, envelopeMessages, type RecordWriter, type SourceState, type WriterTarget } from '../../src/source/index.js';
import { tokenFromString } from '../../src/source/position.js';
import { captureStartPosition } from '../../src/source/start-position.js';
import { BENCH_COLLECTION, openBed, type Bed } from './bed.js';
import { mediumDocuments } from './documents.js';
import { signal } from './first-batch.js';
import { envelopesOf, insertEvents, produceTransactional, recordsOf } from './records.js';

/** A collection with `n` inserts after a recorded start position: every run streams the same changes. */
interface ChangeBed {
  bed: Bed;
  start: SourceState['start'];
  n: number;
}

async function changeBed(probe: string, n: number, ctx: BenchContext): Promise<ChangeBed> {
  const bed = await openBed(probe, { migrate: false });
  const collection = bed.db.collection(BENCH_COLLECTION);
  await collection.insertOne({ _id: 'bench-warm-up' } as Document); // the database exists before the start is taken
  await collection.deleteOne({ _id: 'bench-warm-up' } as Document);
  const start = await captureStartPosition(bed.db, collection);
  const docs = mediumDocuments(n);
  for (let i = 0; i < docs.length; i += 1000) await collection.insertMany(docs.slice(i, i + 1000));
  ctx.log(`${probe}: ${n} inserts written after the stream start`);
  return { bed, start, n };
}

/** Streaming from the recorded start: the state the source has after its snapshot. */
function streamingFrom(start: SourceState['start']): SourceState {
  return { phase: 'stream', start, snapshotLastKey: null, snapshotCount: 0, resumeToken: start.token, clusterTime: start.clusterTime, ordinal: 0, updatedAtMs: Date.now() };
}

/** Runs tidemark's collection pipeline over the bed's changes through `writer`, until `n` envelopes were committed. */
async function runSource(cb: ChangeBed, writer: (count: (k: number) => void) => (id: string, target: WriterTarget) => RecordWriter): Promise<Measurement> {
  const { bed } = cb;
  const done = signal<number>();
  let committed = 0;
  const count = (k: number) => {
    committed += k;
    if (committed >= cb.n) done.resolve(performance.now());
  };
  const source = new CollectionSource(BENCH_COLLECTION, {
    config: bed.config,
    db: bed.db,
    kafka: bed.kafka,
    topic: bed.topic,
    stateTopic: sourceStateTopic(bed.config),
    schemaId: bed.schemaId,
    logger: bed.logger,
    reloadState: async () => undefined,
    writer: writer(count),
  });
  await source.connect();
  const controller = new AbortController();
  const started = performance.now();
  const running = source.run(controller.signal, streamingFrom(cb.start));
  running.catch(done.reject);
  try {
    const end = await done.promise;
    return { events: committed, seconds: (end - started) / 1000 };
  } finally {
    controller.abort();
    await running.catch(() => undefined);
  }
}

/** A bare change-stream drain of the bed's changes from the recorded start. */
async function bareDrain(cb: ChangeBed): Promise<Measurement> {
  const { bed, start } = cb;
  const options = start.token
    ? { resumeAfter: tokenFromString(start.token), maxAwaitTimeMS: 250 }
    : { startAtOperationTime: new Timestamp({ t: start.clusterTime.t, i: start.clusterTime.i }), maxAwaitTimeMS: 250 };
  const started = performance.now();
  const stream = bed.db.collection(BENCH_COLLECTION).watch([], { ...options, fullDocument: bed.config.source.fullDocument });
  let seen = 0;
  try {
    while (seen < cb.n) {
      if (await stream.tryNext()) seen++;
    }
    return { events: seen, seconds: (performance.now() - started) / 1000 };
  } finally {
    await stream.close();
  }
}

/**
 * The source's read side (change stream, classification, envelope, Avro encoding)
 * with the Kafka transaction stubbed, against a bare watch() drain of the same changes.
 * The local Mongo server re-scans its oplog per getMore: judge with care.
 */
export function sourceReadProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 20_000;
  let cb: ChangeBed;
  return {
    id: 'source-read',
    ratio: 'source with produce stubbed ÷ bare watch() drain',
    a: 'bare watch() drain',
    b: 'tidemark source, produce stubbed',
    async setup() {
      cb = await changeBed('sourceread', n, ctx);
    },
    runA: () => bareDrain(cb),
    runB: () =>
      runSource(cb, (count) => (_id, target) => ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        // The records are still encoded: only the produce is left out.
        commit: async (envelopes) => {
          envelopeMessages(envelopes, target.schemaId);
          count(envelopes.length);
        },
      })),
    async teardown() {
      await cb?.bed.close();
    },
  };
}

/**
 * The whole source (change stream → Kafka, records and position in one transaction
 * per batch) against raw kafkajs transactional produce of the same records pre-encoded,
 * in transactions of the source's batch size.
 */
export function sourceProduceProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 20_000;
  let cb: ChangeBed;
  let records: Message[] = [];
  let runs = 0;
  return {
    id: 'source-produce',
    ratio: 'source full ÷ raw kafkajs transactional produce of pre-encoded records',
    a: 'raw transactional produce',
    b: 'tidemark source',
    async setup() {
      cb = await changeBed('sourceproduce', n, ctx);
      const where = { db: cb.bed.config.mongo.database, collection: BENCH_COLLECTION };
      records = recordsOf(envelopesOf(insertEvents(mediumDocuments(n), where.db, where.collection), where), cb.bed.schemaId);
    },
    async runA(): Promise<Measurement> {
      const seconds = await produceTransactional(cb.bed.kafka, `${cb.bed.id}-raw-${++runs}`, cb.bed.topic, records, cb.bed.config.source.maxBatchSize);
      return { events: records.length, seconds };
    },
    runB: () =>
      runSource(cb, (count) => (id, target) => {
        const real = new TransactionalWriter(cb.bed.kafka, id, target);
        return {
          connect: () => real.connect(),
          disconnect: () => real.disconnect(),
          commit: async (envelopes, state) => {
            await real.commit(envelopes, state);
            count(envelopes.length);
          },
        };
      }),
    async teardown() {
      records = [];
      await cb?.bed.close();
    },
  };
}
