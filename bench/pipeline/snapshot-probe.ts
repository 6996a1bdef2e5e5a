import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { BSON, type Document } from 'bson';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { startPipeline } from '../../src/cli/pipeline.js';
import { createRegistry, registerEnvelope } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { ensureCollectionTopics, topicFor } from '../../src/ops/kafka.js';
import { copyLine } from '../../src/sink/copy-text.js';
import { tableStatements } from '../../src/sink/sql.js';
import { transformDocument } from '../../src/transform/index.js';
import { insertParents, resetTarget } from '../sink/bed.js';
import { BENCH_COLLECTION, openBed, type Bed } from './bed.js';
import { insertAll } from './change-bed.js';
import { mediumSet } from './documents.js';
import { kafkaWriter, timeCollectionSource } from './source-run.js';

// The sink's BSON options: the transform sees the types MongoDB stored.
const TYPE_PRESERVING = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

/** A collection of `n` medium documents in a database of its own, and a config whose runs each get fresh topics and group. */
interface SnapshotBed {
  bed: Bed;
  n: number;
  docs: Document[];
  /** Run `k`'s config: the snapshot database, topic prefix and group of its own. */
  runConfig(k: number): Config;
}

async function snapshotBed(probe: string, n: number, ctx: BenchContext): Promise<SnapshotBed> {
  const bed = await openBed(probe);
  const { parents, docs } = mediumSet(n);
  await insertParents(bed.pool, parents);
  const database = `${bed.id}_snap`;
  await insertAll(bed.mongo.db(database), docs);
  ctx.log(`${probe}: ${n} medium documents in ${database}`);
  return {
    bed,
    n,
    docs,
    runConfig: (k) => {
      const c = bed.derived(`_r${k}`);
      return { ...c, mongo: { ...c.mongo, database } };
    },
  };
}

/** A bare `_id`-ordered find() over the whole collection, one cursor. */
async function bareFindDrain(sb: SnapshotBed): Promise<Measurement> {
  const started = performance.now();
  let seen = 0;
  for await (const _doc of sb.bed.mongo.db(`${sb.bed.id}_snap`).collection(BENCH_COLLECTION).find({}).sort({ _id: 1 })) seen++;
  return { events: seen, seconds: (performance.now() - started) / 1000 };
}

/**
 * The source's initial snapshot (start position, `_id`-ordered chunks, each chunk's
 * records and position in one Kafka transaction) against a bare sorted find() of the
 * same collection. Each run starts from no state on topics of its own.
 */
export function snapshotReadProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 30_000;
  let sb: SnapshotBed;
  let runs = 0;
  return {
    id: 'snapshot-read',
    ratio: 'source snapshot into Kafka ÷ bare sorted find() drain',
    a: 'bare sorted find()',
    b: 'tidemark source snapshot',
    async setup() {
      sb = await snapshotBed('snapshotread', n, ctx);
    },
    runA: () => bareFindDrain(sb),
    async runB(): Promise<Measurement> {
      const { bed } = sb;
      const config = sb.runConfig(++runs);
      await ensureCollectionTopics(bed.kafka, config, [BENCH_COLLECTION]);
      const topic = topicFor(config, BENCH_COLLECTION);
      const schemaId = await registerEnvelope(createRegistry(config.schemaRegistry.url), topic);
      const db = bed.mongo.db(config.mongo.database);
      return timeCollectionSource({ config, db, kafka: bed.kafka, topic, schemaId, logger: bed.logger, initial: undefined, n }, kafkaWriter(bed.kafka));
    },
    async teardown() {
      await sb?.bed.close();
    },
  };
}

/**
 * The initial load end to end (startPipeline on a collection that already holds the
 * documents: snapshot → Kafka → sink → PostgreSQL, timed from start until every row is
 * there) against the COPY ceiling: COPY of the same mapped rows into an unindexed,
 * constraint-free copy of the table (CREATE TABLE … (LIKE payments)).
 */
export function snapshotLoadProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 30_000;
  let sb: SnapshotBed;
  let copyText = '';
  let copySql = '';
  let runs = 0;
  return {
    id: 'snapshot-load',
    ratio: 'initial load (snapshot → PostgreSQL) ÷ COPY of the same rows into an unindexed table',
    a: 'COPY ceiling',
    b: 'tidemark initial load',
    async setup() {
      sb = await snapshotBed('snapshotload', n, ctx);
      const mapping = sb.bed.mappings[0]!;
      const { dataColumns } = tableStatements(mapping, sb.bed.id);
      copyText = sb.docs
        .map((d) => transformDocument(mapping, BSON.deserialize(BSON.serialize(d), TYPE_PRESERVING)).row)
        .map((row, i) => copyLine([...dataColumns.map((c) => row[c] ?? null), String(i + 1), '0']))
        .join('');
      await sb.bed.pool.query('CREATE TABLE bench_copy_ceiling (LIKE payments)');
      copySql = `COPY bench_copy_ceiling (${[...dataColumns, '_tm_ts', '_tm_ord'].map((c) => pg.escapeIdentifier(c)).join(', ')}) FROM STDIN`;
    },
    async runA(): Promise<Measurement> {
      const client = await sb.bed.pool.connect();
      try {
        await client.query('TRUNCATE bench_copy_ceiling');
        const started = performance.now();
        await pipeline(Readable.from([copyText]), client.query(copyFrom(copySql)));
        return { events: n, seconds: (performance.now() - started) / 1000 };
      } finally {
        client.release();
      }
    },
    async runB(): Promise<Measurement> {
      const { bed } = sb;
      await resetTarget(bed.pool);
      const config = sb.runConfig(++runs);
      const count = async () => (await bed.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payments')).rows[0]!.n;
      const started = performance.now();
      const running = startPipeline(config, bed.logger, bed.mappings);
      try {
        const deadline = Date.now() + 300_000;
        while ((await count()) < n) {
          if (running.error) throw running.error;
          if (Date.now() > deadline) throw new Error(`PostgreSQL holds ${await count()} of ${n} rows after 300 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
        return { events: n, seconds: (performance.now() - started) / 1000 };
      } finally {
        await running.stop();
      }
    },
    async teardown() {
      await sb?.bed.close();
    },
  };
}
