// npm run bench [-- --quick] [--stage sink|pipeline] [--only id,…] [--pairs n]
// Brings the local stack up, runs every probe of the chosen stages, prints medians,
// ratios and CPU per event, appends the run to bench/results/results.jsonl and
// regenerates bench/RESULTS.md. Exits 1 when any probe failed.
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/ops/config.js';
import { createLogger } from '../src/ops/logger.js';
import { gitCommit, machine, versions } from './lib/machine.js';
import type { BenchContext, FigureProbe, PairedProbe, ProbeFactory } from './lib/probe.js';
import { parseArgs } from './lib/args.js';
import { writeResults, type ProbeResult } from './lib/results.js';
import { describeResult, isPaired, runFigure, runPaired } from './lib/runner.js';
import { pipelineProbes } from './pipeline/index.js';
import { sinkProbes } from './sink/index.js';

const STAGES: Record<string, ProbeFactory> = { sink: sinkProbes, pipeline: pipelineProbes };

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2), Object.keys(STAGES));
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'bench' });
  if (!opts.skipStack) execFileSync('bash', ['deploy/local/stack.sh', 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const ctx: BenchContext = { quick: opts.quick, pairs: opts.pairs ?? (opts.quick ? 5 : 7), log: (line) => log.info(line) };
  const config = loadConfig();
  const m = machine();
  const results: ProbeResult[] = [];
  const started = Date.now();
  for (const stage of opts.stages) {
    const probes = STAGES[stage]!(ctx).filter((p: PairedProbe | FigureProbe) => !opts.only || opts.only.has(p.id));
    for (const p of probes) {
      const r = isPaired(p) ? await runPaired(p, stage, ctx, m.cores) : await runFigure(p, stage, ctx, opts.quick ? 1 : 3);
      results.push(r);
      process.stdout.write(describeResult(r).join('\n') + '\n');
    }
  }
  if (opts.only) for (const id of opts.only) if (!results.some((r) => r.id === id)) throw new Error(`no probe has id ${id}`);
  const { commit, dirty } = gitCommit();
  writeResults(
    {
      date: new Date().toISOString(),
      commit,
      dirty,
      machine: m,
      versions: await versions(config.postgres.url),
      settings: { quick: opts.quick, pairs: ctx.pairs, stages: opts.stages, only: opts.only ? [...opts.only] : 'all', seconds: Math.round((Date.now() - started) / 1000) },
      probes: results,
    },
    { jsonl: 'bench/results/results.jsonl', markdown: 'bench/RESULTS.md', svg: 'bench/results/ratios.svg' },
  );
  const failed = results.filter((r) => r.error);
  process.stdout.write(`\n${results.length} probes in ${Math.round((Date.now() - started) / 1000)} s; results in bench/RESULTS.md\n`);
  if (failed.length > 0) process.stdout.write(`FAILED: ${failed.map((r) => r.id).join(', ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
