import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { runSink } from '../../src/sink/index.js';
import { newestPerKey } from '../../src/sink/changes.js';
import { topicFor } from '../../src/ops/kafka.js';
import { bareConsume } from './bare-consumer.js';
import { openBed, type Bed } from './bed.js';
import { mediumDocuments } from './documents.js';
import { timingFirstBatch, signal } from './first-batch.js';
import { insertRecords, produceTransactional } from './records.js';

/**
 * Sink consume path (fetch, decode, transform, de-duplication, slicing, the Kafka
 * offset copy) with the PostgreSQL transaction replaced by a no-op, against a bare
 * kafkajs eachBatch consumer that only counts, over the same pre-produced records.
 * Each run is a fresh consumer group reading the topic from the start; both are
 * timed from their first batch to the last record handled.
 */
export function consumeProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 20_000 : 100_000;
  let bed: Bed;
  return {
    id: 'sink-consume',
    ratio: 'sink consume path (apply stubbed) ÷ bare kafkajs eachBatch consumer',
    target: 0.6,
    a: 'bare kafkajs eachBatch',
    b: 'tidemark sink, apply stubbed',
    async setup() {
      bed = await openBed('consume');
      const records = insertRecords(mediumDocuments(n), { db: bed.config.mongo.database, collection: 'payments' }, bed.schemaId);
      const seconds = await produceTransactional(bed.kafka, `${bed.id}-feed`, bed.topic, records);
      ctx.log(`sink-consume: ${n} records produced in ${seconds.toFixed(1)} s`);
    },
    runA: () => bareConsume(bed.kafka, bed.topic, bed.freshGroup(), n),
    async runB(): Promise<Measurement> {
      const { kafka, firstBatchAt } = timingFirstBatch(bed.kafka);
      const config = { ...bed.config, sink: { ...bed.config.sink, groupId: bed.freshGroup() } };
      const done = signal<number>();
      let seen = 0;
      const controller = new AbortController();
      const running = runSink(config, bed.logger, kafka, bed.mappings, (c) => topicFor(config, c), controller.signal, undefined, {
        // The no-op transaction still de-duplicates, as the real one does before COPY.
        writeSlice: async (slice) => {
          newestPerKey(slice.changes);
          seen += slice.records;
          if (seen >= n) done.resolve(performance.now());
        },
      });
      running.catch(done.reject);
      try {
        const end = await done.promise;
        return { events: seen, seconds: (end - firstBatchAt()!) / 1000 };
      } finally {
        controller.abort();
        await running.catch(() => undefined);
      }
    },
    async teardown() {
      await bed?.close();
    },
  };
}
