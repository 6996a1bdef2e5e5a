import { EJSON, type Document, type ObjectId } from 'bson';
import pg from 'pg';
import { cpuDelta, cpuSnapshot } from '../lib/cpu.js';
import type { BenchContext, FigureProbe } from '../lib/probe.js';
import { median } from '../lib/stats.js';
import { storedOffsets } from '../../src/sink/offsets.js';
import { uuidFor } from '../../src/transform/index.js';
import { Random } from '../../src/workload/random.js';
import { mediumDocument, type Parents } from '../lib/shapes.js';
import { insertParents, resetTarget } from '../sink/bed.js';
import { BENCH_COLLECTION, openBed, type Bed } from './bed.js';
import { mediumSet } from './documents.js';
import { drainProbe } from './drain-probe.js';
import { bounded, percentile, thirds, type Sample } from './latency-figures.js';
import { startServices, type Services } from './services.js';
import { drainRates } from './shared-figures.js';

const LOADS = [25, 50, 80] as const;
const WARM_UP_SECONDS = 8;

/**
 * End-to-end latency at 25, 50 and 80 % of the drain rate measured in the same run,
 * tidemark's source and sink running as their own processes (startServices).
 *
 * Method: each document carries its stamp (updatedAt = the moment it is written).
 * PostgreSQL does not keep commit times here (track_commit_timestamp is off and the
 * shared server is not restarted). The sink commits a record's rows in the transaction
 * that stores its partition's next offset, so a poller reads the sink's stored offsets
 * (one row per partition) every 5 ms, and a Kafka tap says which record holds which
 * document: a record first passed in a poll was committed between the previous poll
 * and this one, and its latency is their midpoint minus the stamp, ± half a poll
 * interval (+ the tap's own lag, if the tap reads it after the sink commits it: never
 * less than the truth). Looking the pending rows up instead cost PostgreSQL an index
 * probe per pending row per poll, which grew with the latency it measured and fed it
 * at high load. After each load every row is checked to be in PostgreSQL. Writes go
 * out every 20 ms at the load's rate.
 */
export function latencyProbe(ctx: BenchContext): FigureProbe {
  const seconds = ctx.quick ? 8 : 30;
  let bed: Bed;
  let parents: Parents;
  let pipeline: Services | undefined;
  let poller: pg.Client;
  let rate = 0;
  let seed = 1;
  let tap: KafkaTap;
  return {
    id: 'end-to-end-latency',
    what: `stamp in the document → visible in PostgreSQL, p50/p95/p99 ms at ${LOADS.join('/')} % of the drain rate, ${seconds} s each`,
    async setup() {
      if (drainRates.length === 0) await measureDrain(ctx);
      rate = median(drainRates);
      bed = await openBed('latency');
      parents = mediumSet(0).parents;
      await insertParents(bed.pool, parents);
      poller = new pg.Client({ connectionString: bed.config.postgres.url, options: `-c search_path=${bed.id}` });
      await poller.connect();
      pipeline = startServices(bed.config);
      tap = await kafkaTap(bed);
      // Streaming once a first document arrives.
      const warm = mediumDocument(new Random(99), parents);
      await bed.db.collection(BENCH_COLLECTION).insertOne({ ...warm, updatedAt: new Date() });
      await waitVisible(poller, [uuidFor(BENCH_COLLECTION, warm._id)], 120_000, () => pipeline?.error);
      // Fresh processes run their first batches unoptimised (V8 has not compiled the hot
      // paths yet): the queue they build takes a few seconds to drain. Steady state is
      // what is measured, so a warm-up at the middle load comes first and is not counted.
      await atRate(bed, tap, parents, (rate * 50) / 100, WARM_UP_SECONDS, 100, () => pipeline?.error);
      ctx.log(`end-to-end-latency: drain rate ${Math.round(rate)}/s; pipeline streaming, warmed up for ${WARM_UP_SECONDS} s`);
    },
    async run() {
      const figures: Record<string, number> = { drainPerSecond: rate };
      for (const load of LOADS) {
        const perSecond = (rate * load) / 100;
        const [cpuBefore, before] = [cpuSnapshot(), Date.now()];
        const samples = await atRate(bed, tap, parents, perSecond, seconds, seed++, () => pipeline?.error);
        // Busy cores over the load (making the documents, the writes, the wait for the last
        // row): whether the machine had CPU to spare, and how much went to tidemark and to the load.
        const cpu = cpuDelta(cpuBefore, cpuSnapshot());
        const wallSeconds = (Date.now() - before) / 1000;
        const cores = (roles: string[]) => roles.reduce((sum, r) => sum + (cpu[r] ?? 0), 0) / wallSeconds;
        await expectRows(poller, samples.map((s) => s.id));
        const latencies = samples.map((s) => s.latencyMs);
        // Where the time goes: stamp → committed in Kafka (source) and Kafka → PostgreSQL (sink).
        const split = samples.flatMap((s) => {
          const inKafka = tap.seenAt.get(s.id);
          return inKafka === undefined ? [] : [{ source: inKafka - s.stampMs, sink: s.stampMs + s.latencyMs - inKafka }];
        });
        const { firstP50, lastP50 } = thirds(samples);
        Object.assign(figures, {
          [`load${load}PerSecond`]: perSecond,
          [`load${load}P50Ms`]: percentile(latencies, 50),
          [`load${load}P95Ms`]: percentile(latencies, 95),
          [`load${load}P99Ms`]: percentile(latencies, 99),
          [`load${load}FirstThirdP50Ms`]: firstP50,
          [`load${load}LastThirdP50Ms`]: lastP50,
          [`load${load}SourceP50Ms`]: percentile(split.map((x) => x.source), 50),
          [`load${load}SinkP50Ms`]: percentile(split.map((x) => x.sink), 50),
          [`load${load}CoresBusy`]: cores(Object.keys(cpu)),
          [`load${load}CoresTidemark`]: cores(['node-source', 'node-sink']),
          [`load${load}CoresMongoAndBench`]: cores(['mongo', 'node']),
        });
        const perRole = Object.entries(cpu).map(([role, s]) => `${role} ${(s / wallSeconds).toFixed(2)}`).join(', ');
        ctx.log(`end-to-end-latency: ${load} % (${Math.round(perSecond)}/s): p50 ${figures[`load${load}P50Ms`]} ms, p99 ${figures[`load${load}P99Ms`]} ms; busy cores: ${perRole}`);
        // After the figures: the tap notes the deletes' records under the same row ids.
        await clearLoad(bed, poller, () => pipeline?.error);
      }
      return figures;
    },
    judge(f) {
      const holds = f.load50P50Ms! <= 300 && f.load50P99Ms! <= 1000 && bounded(f.load80FirstThirdP50Ms!, f.load80LastThirdP50Ms!);
      return { target: 'at 50 %: p50 ≤ 300 ms and p99 ≤ 1 s; at 80 %: the last third’s p50 within 1.5× (+100 ms) of the first’s', holds };
    },
    async teardown() {
      await tap?.stop().catch(() => undefined);
      await pipeline?.stop().catch(() => undefined);
      await poller?.end().catch(() => undefined);
      await resetTarget(bed.pool).catch(() => undefined);
      await bed?.close();
    },
  };
}

/** Writes medium documents at `perSecond` for `seconds`, then waits for each to be in PostgreSQL; one sample per document. */
async function atRate(bed: Bed, tap: KafkaTap, parents: Parents, perSecond: number, seconds: number, seed: number, failed: () => unknown): Promise<Array<Sample & { id: string }>> {
  const rng = new Random(seed * 7919);
  const collection = bed.db.collection(BENCH_COLLECTION);
  /** Row id → its stamp (ms). */
  const pending = new Map<string, number>();
  const samples: Array<Sample & { id: string }> = [];
  let writing = true;
  let abandoned = false;
  const polling = (async () => {
    let previous = Date.now();
    while (!abandoned && (writing || pending.size > 0)) {
      if (failed()) throw failed();
      await new Promise((r) => setTimeout(r, 5));
      const now = Date.now();
      const applied = await storedOffsets(bed.pool, bed.config.sink.groupId, [bed.topic]);
      const seenAt = (previous + now) / 2;
      for (const { partition, nextOffset } of applied) {
        const queue = tap.unapplied.get(partition) ?? [];
        const next = BigInt(nextOffset);
        let i = 0;
        for (; i < queue.length && queue[i]!.offset < next; i++) {
          const { id } = queue[i]!;
          const stampMs = pending.get(id);
          if (stampMs === undefined) continue;
          pending.delete(id);
          samples.push({ id, stampMs, latencyMs: Math.max(0, seenAt - stampMs) });
        }
        queue.splice(0, i);
      }
      previous = now;
    }
  })();
  // Its failure is raised below, once the writes are done.
  polling.catch(() => undefined);
  // Made before the clock starts: generating documents is the bench's work, not tidemark's.
  const prepared = Array.from({ length: Math.ceil(perSecond * seconds) + 1 }, () => {
    const doc = mediumDocument(rng, parents);
    return { doc, id: uuidFor(BENCH_COLLECTION, doc._id as ObjectId) };
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = Date.now();
    let written = 0;
    while (Date.now() - started < seconds * 1000) {
      const due = Math.min(prepared.length, Math.floor(((Date.now() - started) / 1000) * perSecond)) - written;
      if (due > 0) {
        const stamp = new Date();
        const batch = prepared.slice(written, written + due);
        for (const p of batch) pending.set(p.id, stamp.getTime());
        await collection.insertMany(batch.map((p): Document => ({ ...p.doc, updatedAt: stamp })));
        written += due;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    writing = false;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${pending.size} documents still not in PostgreSQL 120 s after the writes`)), 120_000);
    });
    await Promise.race([polling, late]);
    return samples;
  } finally {
    clearTimeout(timer);
    // A poll left running after a failure would query the schema teardown drops.
    writing = false;
    abandoned = true;
    await polling.catch(() => undefined);
  }
}

interface KafkaTap {
  /** Row id → when its record became visible to a read-committed consumer (ms, this machine's clock). */
  seenAt: Map<string, number>;
  /** Per partition, in offset order, the records not yet known to be applied. */
  unapplied: Map<number, Array<{ id: string; offset: bigint }>>;
  stop(): Promise<void>;
}

/**
 * A bare read-committed consumer on the topic, noting when each record is readable
 * (splits latency into source and sink) and where it is (partition, offset): the sink
 * commits a record's rows with its partition's next offset, so the record is in
 * PostgreSQL once that offset has passed it.
 */
async function kafkaTap(bed: Bed): Promise<KafkaTap> {
  const seenAt = new Map<string, number>();
  const unapplied = new Map<number, Array<{ id: string; offset: bigint }>>();
  const consumer = bed.kafka.consumer({ groupId: bed.freshGroup(), readUncommitted: false, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [bed.topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      const queue = unapplied.get(batch.partition) ?? [];
      unapplied.set(batch.partition, queue);
      for (const m of batch.messages) {
        if (!m.key || !m.value) continue;
        const _id = (EJSON.parse(`{"_id":${m.key.toString()}}`, { relaxed: false }) as Document)._id;
        const id = uuidFor(BENCH_COLLECTION, _id);
        seenAt.set(id, now);
        queue.push({ id, offset: BigInt(m.offset) });
      }
    },
  });
  return { seenAt, unapplied, stop: () => consumer.disconnect() };
}

/** Every row whose record the sink's offsets have passed is in PostgreSQL (not parked, not lost). */
async function expectRows(poller: pg.Client, ids: string[]): Promise<void> {
  const present = await rowsPresent(poller, ids);
  if (present !== ids.length) throw new Error(`${ids.length - present} of ${ids.length} rows missing from PostgreSQL after the sink's offsets passed them`);
}

/**
 * Deletes the load's documents and waits until the pipeline has deleted their rows, untimed.
 * Left in place, the full bench's three runs (~700,000 medium documents) ran the local
 * Mongo server's heap out; this way it holds one load's at most.
 */
async function clearLoad(bed: Bed, poller: pg.Client, failed: () => unknown): Promise<void> {
  await bed.db.collection(BENCH_COLLECTION).deleteMany({});
  let left = 0;
  const count = async () => (await poller.query<{ n: number }>('SELECT count(*)::int AS n FROM payments')).rows[0]!.n;
  await pollUntil(async () => (left = await count()) === 0, { timeoutMs: 180_000, everyMs: 250, failed },
    () => `${left} rows still in PostgreSQL 180 s after their documents were deleted`);
}

async function rowsPresent(poller: pg.Client, ids: string[]): Promise<number> {
  const { rows } = await poller.query<{ n: number }>('SELECT count(*)::int AS n FROM payments WHERE id = ANY($1::uuid[])', [ids]);
  return rows[0]!.n;
}

async function waitVisible(poller: pg.Client, ids: string[], timeoutMs: number, failed: () => unknown): Promise<void> {
  await pollUntil(async () => (await rowsPresent(poller, ids)) === ids.length, { timeoutMs, everyMs: 100, failed },
    () => 'the pipeline did not deliver the warm-up document');
}

/** Polls `done` every `everyMs` until it holds; fails at once when the pipeline has failed, and after `timeoutMs` with `late()`. */
async function pollUntil(done: () => Promise<boolean>, opts: { timeoutMs: number; everyMs: number; failed: () => unknown }, late: () => string): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.failed()) throw opts.failed();
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(late());
    await new Promise((r) => setTimeout(r, opts.everyMs));
  }
}

/** The latency probe run alone: one quick backlog drain sets the loads. */
async function measureDrain(ctx: BenchContext): Promise<void> {
  const drain = drainProbe({ ...ctx, quick: true });
  await drain.setup();
  try {
    await drain.runB();
  } finally {
    await drain.teardown();
  }
}
