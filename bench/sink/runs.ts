// The timed ways of applying a bed's batches: the sink's Applier (per-phase time), SQL
// alone (COPY + the sink's own statements), the real sink on Kafka, naive per-row upserts.
import { Registry } from 'prom-client';
import pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createApplier } from '../../src/sink/apply.js';
import { SinkMetrics } from '../../src/sink/metrics.js';
import { observePhases, type SinkPhase } from '../../src/sink/phases.js';
import { runSink } from '../../src/sink/sink.js';
import { cpuDelta, cpuSnapshot } from '../lib/cpu.js';
import type { Measurement } from '../lib/probe.js';
import type { SinkBed } from './bed.js';
import { timingFirstBatch } from '../pipeline/first-batch.js';

/** Applies every batch through the sink's Applier, one transaction per batch; seconds per phase. */
export async function applierRun(sb: SinkBed): Promise<{ seconds: number; phases: Partial<Record<SinkPhase, number>> }> {
  const applier = await createApplier(sb.bed.pool, [sb.mapping], sb.bed.id);
  const phases: Partial<Record<SinkPhase, number>> = {};
  const stop = observePhases((table, phase, s) => {
    if (table === sb.mapping.table) phases[phase] = (phases[phase] ?? 0) + s;
  });
  const client = await sb.bed.pool.connect();
  try {
    const started = performance.now();
    for (const batch of sb.batches) {
      await client.query('BEGIN');
      const out = await applier.apply(client, sb.mapping.table, batch);
      if (out.rejected.length > 0 || out.parked > 0) throw new Error(`bench batch not applied cleanly: ${out.rejected.length} rejected, ${out.parked} parked`);
      await client.query('COMMIT');
    }
    return { seconds: (performance.now() - started) / 1000, phases };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    stop();
    client.release();
  }
}

/**
 * The ceiling: per batch, COPY of the same text into the same staging table and the
 * sink's merge statement (delete, tombstones, upsert, id_map), one transaction. Seconds of
 * the whole, and of the merge statements alone.
 */
export async function sqlOnlyRun(sb: SinkBed, pool: pg.Pool = sb.bed.pool): Promise<{ seconds: number; merge: number; copy: number }> {
  const client = await pool.connect();
  const { sql } = sb;
  let merge = 0;
  let copy = 0;
  try {
    const started = performance.now();
    for (const text of sb.copyText) {
      await client.query('BEGIN');
      await client.query(`${sql.createStaging};\nDELETE FROM ${sql.staging}`);
      const c0 = performance.now();
      await pipeline(Readable.from([text]), client.query(copyFrom(sql.copy)));
      const m0 = performance.now();
      await client.query(sql.merge);
      const m1 = performance.now();
      copy += m0 - c0;
      merge += m1 - m0;
      await client.query('COMMIT');
    }
    return { seconds: (performance.now() - started) / 1000, merge: merge / 1000, copy: copy / 1000 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The count of change records on the topic (tombstones aside): what the sink's records counter reaches when done. */
export const changeRecords = (sb: SinkBed): number => sb.messages.filter((m) => m.value !== null).length;

/**
 * The real sink (runSink, a fresh consumer group) draining the pre-produced topic.
 * Timed from the moment its first fetched batch starts to its last commit, every
 * record counted, so group join and start-up are left out (as SQL alone is timed from
 * its first COPY); CPU over the same window.
 */
export async function sinkDrainRun(sb: SinkBed, opts: { pgUrl?: string; timeoutMs?: number } = {}): Promise<Measurement> {
  const { bed } = sb;
  const config = {
    ...bed.config,
    sink: { ...bed.config.sink, groupId: bed.freshGroup() },
    postgres: { ...bed.config.postgres, url: opts.pgUrl ?? bed.config.postgres.url },
  };
  const metrics = new SinkMetrics(new Registry());
  const controller = new AbortController();
  const total = changeRecords(sb);
  let failed: unknown;
  let cpuAtFirst: ReturnType<typeof cpuSnapshot> | undefined;
  const { kafka, firstBatchAt } = timingFirstBatch(createKafka(config, bed.logger, '-bench-sink'), () => (cpuAtFirst = cpuSnapshot()));
  const running = runSink(config, bed.logger, kafka, bed.mappings, (c) => topicFor(config, c), controller.signal, metrics);
  running.catch((err) => (failed = err));
  const records = async () => (await metrics.records.get()).values.reduce((n, v) => n + v.value, 0);
  const phases: Record<string, number> = {};
  const stopPhases = observePhases((table, phase, s) => {
    if (table === sb.mapping.table) phases[phase] = (phases[phase] ?? 0) + s;
  });
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    for (;;) {
      if (failed) throw failed;
      if (Date.now() > deadline) throw new Error(`sink drained ${await records()} of ${total} records before the timeout`);
      const n = await records();
      const first = firstBatchAt();
      if (n >= total && first !== undefined && cpuAtFirst) {
        return { events: n, seconds: (performance.now() - first) / 1000, cpu: cpuDelta(cpuAtFirst, cpuSnapshot()), extra: await drainExtras(metrics, phases) };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    controller.abort();
    await running.catch(() => undefined);
    metrics.stopObservingPhases();
    stopPhases();
  }
}

/** Where a drain's time went: batches and their mean size, transaction time, apply phases (whole drain, start-up batch included). */
async function drainExtras(metrics: SinkMetrics, phases: Record<string, number>): Promise<Record<string, number>> {
  const sumCount = async (h: SinkMetrics['applySeconds']) => {
    const values = (await h.get()).values;
    const of = (suffix: string) => values.filter((v) => v.metricName?.endsWith(suffix)).reduce((n, v) => n + v.value, 0);
    return { sum: of('_sum'), count: of('_count') };
  };
  const batches = await sumCount(metrics.batchRecords);
  const apply = await sumCount(metrics.applySeconds);
  const out: Record<string, number> = { batches: batches.count, mean_batch_records: batches.sum / Math.max(1, batches.count), transaction_s: apply.sum };
  for (const [phase, s] of Object.entries(phases)) out[`${phase}_s`] = s;
  return out;
}

/**
 * What JDBC-style sinks do: one prepared `INSERT … ON CONFLICT … WHERE newer` per
 * row, 500 rows per transaction, the same rows and version guard (no parking, no
 * id_map, no tombstones: the naive side does less work than tidemark).
 */
export async function naiveRun(sb: SinkBed, pgUrl: string, rows: number): Promise<Measurement> {
  const client = new pg.Client({ connectionString: pgUrl, options: `-c search_path=${sb.bed.id}`, application_name: 'bench-naive' });
  await client.connect();
  const cols = [...sb.sql.dataColumns, '_tm_ts', '_tm_ord'];
  const updates = cols.filter((c) => c !== sb.mapping.key.column).map((c) => `${pg.escapeIdentifier(c)} = EXCLUDED.${pg.escapeIdentifier(c)}`);
  const text =
    `INSERT INTO ${pg.escapeIdentifier(sb.mapping.table)} AS t (${cols.map(pg.escapeIdentifier).join(', ')}) ` +
    `VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (${pg.escapeIdentifier(sb.mapping.key.column)}) ` +
    `DO UPDATE SET ${updates.join(', ')} WHERE (t._tm_ts, t._tm_ord) < (EXCLUDED._tm_ts, EXCLUDED._tm_ord)`;
  const changes = sb.batches.flat().filter((c) => c.op === 'upsert').slice(0, rows);
  try {
    const started = performance.now();
    for (let i = 0; i < changes.length; i += 500) {
      await client.query('BEGIN');
      for (const c of changes.slice(i, i + 500)) {
        await client.query({ name: 'bench_naive_upsert', text, values: [...sb.sql.dataColumns.map((col) => c.row[col] ?? null), c.ts.toString(), c.ord] });
      }
      await client.query('COMMIT');
    }
    return { events: changes.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}
