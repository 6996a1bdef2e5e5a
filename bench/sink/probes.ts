// The sink probes of issue #7, each on medium documents (payments: FK + CHECK + indexes).
import type { BenchContext, FigureProbe, Measurement, PairedProbe } from '../lib/probe.js';
import { startDelayProxy, viaPort, type DelayProxy } from '../lib/delay-proxy.js';
import { openSinkBed, type SinkBed } from './bed.js';
import { psqlCopy } from './psql-copy.js';
import { applierRun, naiveRun, sinkDrainRun, sqlOnlyRun } from './runs.js';

/** Input sizes: quick keeps the whole bench under 10 minutes. */
export function sizes(ctx: BenchContext) {
  return {
    batchRecords: 5000,
    /** Rows per run of the COPY / merge / total probes. */
    rows: ctx.quick ? 10_000 : 50_000,
    /** Rows per naive run: per-row round trips make it slow, and its rate does not depend on the count. */
    naiveLoopback: ctx.quick ? 3_000 : 15_000,
    naiveDelayed: ctx.quick ? 800 : 4_000,
  };
}

function needBed(sb: SinkBed | undefined): SinkBed {
  if (!sb) throw new Error('setup did not run');
  return sb;
}

export function copyProbe(ctx: BenchContext): PairedProbe {
  const size = sizes(ctx);
  let sb: SinkBed | undefined;
  let files: string[] = [];
  return {
    id: 'sink-copy',
    ratio: 'sink COPY phase ÷ psql \\copy of the same rows into the same staging table',
    target: 0.9,
    a: `psql \\copy, ${size.batchRecords}-row batches`,
    b: 'sink Applier, copy phase (COPY text built from the decoded changes and streamed)',
    async setup() {
      sb = await openSinkBed('sink-copy', { changes: size.rows, batchRecords: size.batchRecords });
      files = sb.copyFiles();
    },
    async runA() {
      const r = await psqlCopy(needBed(sb), needBed(sb).bed.config.postgres.url, files);
      if (r.rows !== needBed(sb).events) throw new Error(`psql copied ${r.rows} rows, expected ${needBed(sb).events}`);
      return { events: r.rows, seconds: r.seconds };
    },
    runB: () => applierPhase(needBed(sb), 'copy'),
    teardown: async () => sb?.close(),
  };
}

/** One Applier run from a reset target, timed by the given phase alone (the others go in extras). */
async function applierPhase(b: SinkBed, phase: 'copy' | 'merge'): Promise<Measurement> {
  await b.reset();
  const r = await applierRun(b);
  return { events: b.events, seconds: r.phases[phase] ?? NaN, extra: phaseExtras(r.phases, r.seconds) };
}

export function mergeProbe(ctx: BenchContext): PairedProbe {
  const size = sizes(ctx);
  let sb: SinkBed | undefined;
  return {
    id: 'sink-merge',
    ratio: 'sink merge phase ÷ the same statements alone (same staging content, one transaction per batch)',
    target: 0.9,
    a: "the sink's merge statement alone (delete, tombstones, version-guarded INSERT … ON CONFLICT, tombstone clean-up, id_map)",
    b: 'sink Applier, merge phase',
    async setup() {
      sb = await openSinkBed('sink-merge', { changes: size.rows, batchRecords: size.batchRecords });
    },
    async runA() {
      const b = needBed(sb);
      await b.reset();
      const r = await sqlOnlyRun(b);
      return { events: b.events, seconds: r.merge };
    },
    runB: () => applierPhase(needBed(sb), 'merge'),
    teardown: async () => sb?.close(),
  };
}

export function totalProbe(ctx: BenchContext): PairedProbe {
  const size = sizes(ctx);
  let sb: SinkBed | undefined;
  return {
    id: 'sink-total',
    ratio: 'sink total (records in Kafka → rows in PostgreSQL) ÷ SQL-only COPY + merge of the same rows',
    target: 0.8,
    a: `SQL alone: COPY + merge + id_map, ${size.batchRecords}-row batches, one connection`,
    b: 'runSink (consumer group, decode, transform, parking check, apply, offsets) on pre-produced records',
    async setup() {
      sb = await openSinkBed('sink-total', { changes: size.rows, batchRecords: size.batchRecords });
      await sb.produce();
    },
    async runA() {
      const b = needBed(sb);
      await b.reset();
      const r = await sqlOnlyRun(b);
      return { events: b.events, seconds: r.seconds };
    },
    async runB() {
      const b = needBed(sb);
      await b.reset();
      return sinkDrainRun(b);
    },
    teardown: async () => sb?.close(),
  };
}

export function naiveProbe(ctx: BenchContext, delayMs: 0 | 1): PairedProbe {
  const size = sizes(ctx);
  let sb: SinkBed | undefined;
  let proxy: DelayProxy | undefined;
  const url = () => {
    const base = needBed(sb).bed.config.postgres.url;
    return proxy ? viaPort(base, '127.0.0.1', proxy.port) : base;
  };
  const where = delayMs === 0 ? 'loopback' : `${delayMs} ms each way (TCP proxy)`;
  return {
    id: delayMs === 0 ? 'sink-vs-naive-loopback' : 'sink-vs-naive-1ms',
    ratio: `sink total ÷ naive per-row prepared upsert, 500-row transactions, ${where}`,
    target: delayMs === 0 ? 3.5 : 20,
    a: `naive per-row INSERT … ON CONFLICT (prepared), ${where}`,
    b: `runSink draining pre-produced records, ${where}`,
    async setup() {
      sb = await openSinkBed(delayMs === 0 ? 'sink-naive' : 'sink-naive-1ms', { changes: size.rows, batchRecords: size.batchRecords });
      await sb.produce();
      if (delayMs > 0) {
        const u = new URL(sb.bed.config.postgres.url);
        proxy = await startDelayProxy({ host: u.hostname, port: Number(u.port || 5432) }, delayMs);
      }
    },
    async runA() {
      const b = needBed(sb);
      await b.reset();
      return naiveRun(b, url(), delayMs === 0 ? size.naiveLoopback : size.naiveDelayed);
    },
    async runB() {
      const b = needBed(sb);
      await b.reset();
      return sinkDrainRun(b, { pgUrl: url() });
    },
    async teardown() {
      await proxy?.close();
      await sb?.close();
    },
  };
}

/** Per-phase seconds of an Applier run, as extras of its measurement. */
function phaseExtras(phases: Record<string, number | undefined>, total: number): Record<string, number> {
  const out: Record<string, number> = { apply_s: total };
  for (const [phase, s] of Object.entries(phases)) if (s !== undefined) out[`${phase}_s`] = s;
  return out;
}

export type SinkProbe = PairedProbe | FigureProbe;
