// The sink's memory through a backlog of many batches: the real CLI sink as its own process, its RSS
// sampled from /proc through the whole drain.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { sinkCaughtUp, sinkConfigFile } from '../../test/helpers/sink-feed.js';
import type { BenchContext, FigureProbe } from '../lib/probe.js';
import { openSinkBed, type SinkBed } from './bed.js';
import { sizes } from './probes.js';
import { spawnCli, stopService } from '../pipeline/services.js';

/** The bound the figures are judged against: RSS never above this, and no growth from the first half of the drain to the second. */
export const RSS_BOUND_MB = 768;
export const MAX_GROWTH = 1.2;

function rssMb(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak of the first and second half of the samples, and their ratio: growth over the run. */
export function memoryFigures(samples: readonly number[]): { rss_peak_mb: number; rss_first_half_peak_mb: number; rss_second_half_peak_mb: number; growth: number } {
  if (samples.length < 4) throw new Error(`too few memory samples (${samples.length}) to judge growth`);
  const half = Math.floor(samples.length / 2);
  const first = Math.max(...samples.slice(0, half));
  const second = Math.max(...samples.slice(half));
  return { rss_peak_mb: Math.max(first, second), rss_first_half_peak_mb: first, rss_second_half_peak_mb: second, growth: second / first };
}

export function memoryProbe(ctx: BenchContext): FigureProbe {
  // Thirty full batches behind (quick: 150,000 records, ~20 s), or 200,000 records (full
  // run): each half of the drain must span several of V8's collection cycles (RSS climbs
  // for seconds, then drops), or one half's peak is just where a cycle happened to end.
  const backlog = ctx.quick ? 30 * sizes(ctx).batchRecords : 200_000;
  let sb: SinkBed | undefined;
  let child: ChildProcess | undefined;
  return {
    id: 'sink-memory',
    what: `sink RSS (MB) through the drain of a backlog (${backlog.toLocaleString('en-US')} medium records, ${sizes(ctx).batchRecords}-record batches), CLI sink as its own process`,
    async setup() {
      sb = await openSinkBed('sink-memory', { changes: backlog, batchRecords: sizes(ctx).batchRecords, decode: false });
      await sb.produce();
    },
    async run() {
      const b = sb!;
      await b.reset();
      const config = { ...b.bed.config, sink: { ...b.bed.config.sink, groupId: b.bed.freshGroup() } };
      const file = sinkConfigFile(config);
      const started = performance.now();
      child = spawnCli(['sink', '--config', file]);
      let exited: string | undefined;
      child.once('exit', (code, signal) => (exited = `sink exited (code ${code}, signal ${signal})`));
      const samples: number[] = [];
      try {
        const deadline = Date.now() + 600_000;
        let lastCheck = 0;
        for (;;) {
          if (exited) throw new Error(exited);
          if (Date.now() > deadline) throw new Error('the sink did not drain the backlog in 10 minutes');
          const rss = rssMb(child.pid!);
          if (rss !== undefined) samples.push(rss);
          if (Date.now() - lastCheck > 1000) {
            lastCheck = Date.now();
            if (await sinkCaughtUp(b.bed.kafka, b.bed.pool, config, b.bed.topic)) break;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        const seconds = (performance.now() - started) / 1000;
        return { ...memoryFigures(samples), drain_s: seconds, records_per_s: backlog / seconds, samples: samples.length };
      } finally {
        await stopService(child);
        rmSync(file, { force: true });
      }
    },
    judge: (f) => ({
      target: `bounded: RSS ≤ ${RSS_BOUND_MB} MB, second-half peak ≤ ${MAX_GROWTH} × first-half peak`,
      holds: (f.rss_peak_mb ?? Infinity) <= RSS_BOUND_MB && (f.growth ?? Infinity) <= MAX_GROWTH,
    }),
    async teardown() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await sb?.close();
    },
  };
}
