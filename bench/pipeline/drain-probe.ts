import type { Document } from 'bson';
import type { Message } from 'kafkajs';
import { cpuDelta, cpuSnapshot } from '../lib/cpu.js';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import type { Config } from '../../src/ops/config.js';
import { ensureCollectionTopics, topicFor } from '../../src/ops/kafka.js';
import type { Logger } from '../../src/ops/logger.js';
import { storedOffsets } from '../../src/sink/offsets.js';
import { runSource } from '../../src/source/index.js';
import { openSinkBed, type SinkBed } from '../sink/bed.js';
import { sqlOnlyRun } from '../sink/runs.js';
import { bareConsume } from './bare-consumer.js';
import { BENCH_COLLECTION } from './bed.js';
import { bareWatchDrain, insertAll, writeChangesAfterStart } from './change-bed.js';
import { mediumDocuments } from './documents.js';
import { produceTransactional } from './records.js';
import { startServicesForDrain } from './services.js';
import { drainRates } from './shared-figures.js';

/**
 * End-to-end backlog drain: N changes written to MongoDB while tidemark is stopped
 * (its source already streaming), then source + sink started as the two processes
 * they are deployed as and timed until PostgreSQL holds every row; against the
 * slowest stage ceiling, each measured in the same run over the same N: bare watch()
 * drain, raw transactional produce, bare kafkajs consume, SQL-only COPY + merge.
 * The clock starts once the sink's group is stable and the source has connected
 * (startServicesForDrain), as the ceilings leave connecting and group joins out too;
 * start-up is reported beside it. (Timing from the first row in PostgreSQL instead
 * would leave out the source's first transaction, most of a quick drain.)
 */
export function drainProbe(ctx: BenchContext): PairedProbe {
  const n = 30_000;
  let sb: SinkBed;
  let ceilings: Config;
  let produceTopic: string;
  let records: Message[];
  let docs: Document[];
  let runs = 0;
  return {
    id: 'end-to-end-drain',
    ratio: 'end-to-end backlog drain ÷ slowest stage ceiling',
    target: 0.7,
    a: 'slowest stage ceiling',
    b: 'tidemark source + sink (two processes, as deployed)',
    async setup() {
      sb = await openSinkBed('drain', { changes: n, batchRecords: 5_000 });
      const { bed } = sb;
      await sb.produce(); // the consume ceiling's input
      records = sb.messages;
      ceilings = bed.derived('_ceil');
      await ensureCollectionTopics(bed.kafka, ceilings, [BENCH_COLLECTION]);
      produceTopic = topicFor(ceilings, BENCH_COLLECTION);
      docs = mediumDocuments(n);
      ctx.log(`end-to-end-drain: ${n} medium changes ready for every stage`);
    },
    async runA(): Promise<Measurement> {
      const { bed } = sb;
      const run = ++runs;
      // Written afresh for every run: a resume point from setup would fall out of the
      // local server's capped oplog after a few pairs (each B run adds N entries too).
      const db = bed.mongo.db(`${ceilings.mongo.database}_${run}`);
      const changes = await writeChangesAfterStart(db, docs);
      const watch = await bareWatchDrain(changes, bed.config.source.fullDocument);
      // Each run's N documents would stay in the local server's heap until teardown: at 7
      // pairs, 14 databases of them ran it out of memory. Dropped once read, untimed.
      await db.dropDatabase();
      const produce = await produceTransactional(bed.kafka, `${bed.id}-ceil-${run}`, produceTopic, records, bed.config.source.maxBatchSize);
      const consume = await bareConsume(bed.kafka, bed.topic, bed.freshGroup(), n);
      await sb.reset();
      const sql = await sqlOnlyRun(sb);
      const seconds = { watch: watch.seconds, produce, consume: consume.seconds, sql: sql.seconds };
      const slowest = Math.max(...Object.values(seconds));
      return {
        events: n,
        seconds: slowest,
        extra: Object.fromEntries(Object.entries(seconds).map(([stage, s]) => [`${stage}PerSecond`, n / s])),
      };
    },
    async runB(): Promise<Measurement> {
      const { bed } = sb;
      const config = bed.derived(`_r${++runs}`);
      await sb.reset();
      await primeSource(config, bed.logger);
      await insertAll(bed.mongo.db(config.mongo.database), docs);
      const count = async () => (await bed.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payments')).rows[0]!.n;
      // A count scans the table: polled every 20 ms it would take PostgreSQL CPU from the
      // sink. The sink's stored offsets (a row per partition) say when there is news to count.
      const offsets = async () => JSON.stringify(await storedOffsets(bed.pool, config.sink.groupId, [topicFor(config, BENCH_COLLECTION)]));
      let counted = '';
      let rows = 0;
      const started = performance.now();
      const pipeline = await startServicesForDrain(config, bed.kafka);
      // CPU over the timed part only (the runner would count priming and the inserts too).
      const cpu = cpuSnapshot();
      try {
        const deadline = Date.now() + 300_000;
        for (;;) {
          if (pipeline.error) throw pipeline.error;
          if (Date.now() > deadline) throw new Error(`PostgreSQL holds ${await count()} of ${n} rows after 300 s`);
          const stored = await offsets();
          if (stored !== counted) [counted, rows] = [stored, await count()];
          if (rows >= n) {
            const now = performance.now();
            const seconds = (now - pipeline.readyAt) / 1000;
            drainRates.push(n / seconds);
            return {
              events: n,
              seconds,
              cpu: cpuDelta(cpu, cpuSnapshot()),
              extra: { startupSeconds: (pipeline.readyAt - started) / 1000, totalSeconds: (now - started) / 1000 },
            };
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await pipeline.stop();
        await bed.mongo.db(config.mongo.database).dropDatabase();
      }
    },
    async teardown() {
      await sb?.close();
    },
  };
}

/** Runs the source alone until it streams (its snapshot of the empty collection done), then stops it: tidemark is "stopped but set up". */
async function primeSource(config: Config, logger: Logger): Promise<void> {
  const controller = new AbortController();
  let pipelines: Array<{ status: string }> = [];
  const running = runSource(config, logger, [BENCH_COLLECTION], controller.signal, { observe: (p) => (pipelines = p) });
  let failed: unknown;
  running.catch((err) => (failed = err));
  const deadline = Date.now() + 60_000;
  while (!(pipelines.length > 0 && pipelines.every((p) => p.status === 'streaming'))) {
    if (failed) throw failed;
    if (Date.now() > deadline) throw new Error('the source did not reach streaming within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  controller.abort();
  await running;
}
