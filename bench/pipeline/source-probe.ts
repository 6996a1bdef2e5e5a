import type { Message } from 'kafkajs';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { sourceStateTopic } from '../../src/ops/kafka.js';
import { CollectionSource, TransactionalWriter, envelopeMessages, type RecordWriter, type WriterTarget } from '../../src/source/index.js';
import { BENCH_COLLECTION, openBed, type Bed } from './bed.js';
import { bareWatchDrain, streamingFrom, writeChangesAfterStart, type Changes } from './change-bed.js';
import { mediumDocuments } from './documents.js';
import { signal } from './first-batch.js';
import { envelopesOf, insertEvents, produceTransactional, recordsOf } from './records.js';

interface ChangeBed {
  bed: Bed;
  changes: Changes;
  n: number;
}

async function changeBed(probe: string, n: number, ctx: BenchContext): Promise<ChangeBed> {
  const bed = await openBed(probe, { migrate: false });
  const changes = await writeChangesAfterStart(bed.db, mediumDocuments(n));
  ctx.log(`${probe}: ${n} inserts written after the stream start`);
  return { bed, changes, n };
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
  const running = source.run(controller.signal, streamingFrom(cb.changes.start));
  running.catch(done.reject);
  try {
    const end = await done.promise;
    return { events: committed, seconds: (end - started) / 1000 };
  } finally {
    controller.abort();
    await running.catch(() => undefined);
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
    runA: () => bareWatchDrain(cb.changes, cb.bed.config.source.fullDocument),
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
