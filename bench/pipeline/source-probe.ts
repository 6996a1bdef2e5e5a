import type { Message } from 'kafkajs';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { envelopeMessages } from '../../src/source/index.js';
import { kafkaWriter, timeCollectionSource, type WriterFactory } from './source-run.js';
import { BENCH_COLLECTION, openBed, type Bed } from './bed.js';
import { bareWatchDrain, streamingFrom, writeChangesAfterStart, type Changes } from './change-bed.js';
import { mediumDocuments } from './documents.js';
import { insertRecords, produceTransactional } from './records.js';

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

function runSource(cb: ChangeBed, writer: (count: (k: number) => void) => WriterFactory): Promise<Measurement> {
  const { bed } = cb;
  const run = { config: bed.config, db: bed.db, kafka: bed.kafka, topic: bed.topic, schemaId: bed.schemaId, logger: bed.logger };
  return timeCollectionSource({ ...run, initial: streamingFrom(cb.changes.start), n: cb.n }, writer);
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
      records = insertRecords(mediumDocuments(n), where, cb.bed.schemaId);
    },
    async runA(): Promise<Measurement> {
      const seconds = await produceTransactional(cb.bed.kafka, `${cb.bed.id}-raw-${++runs}`, cb.bed.topic, records, cb.bed.config.source.maxBatchSize);
      return { events: records.length, seconds };
    },
    runB: () => runSource(cb, kafkaWriter(cb.bed.kafka)),
    async teardown() {
      records = [];
      await cb?.bed.close();
    },
  };
}
