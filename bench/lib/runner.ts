// Runs probes the same way for every stage: setup, A B A B … (or a figure probe a few
// times), teardown; turns the runs into medians, ratios and judgements.
import { cpuSnapshot, cpuDelta } from './cpu.js';
import type { BenchContext, FigureProbe, Measurement, PairedProbe } from './probe.js';
import type { FigureResult, PairedResult, ProbeResult } from './results.js';
import { cpuBoundRate, cpuMicrosPerEvent, judgeRatio, median, rateOf, spread } from './stats.js';

export const isPaired = (p: PairedProbe | FigureProbe): p is PairedProbe => 'runA' in p;

/** A run's measurement with CPU per role, unless the probe measured its own (only its timed part). */
async function measured(run: () => Promise<Measurement>): Promise<Measurement> {
  const before = cpuSnapshot();
  const m = await run();
  return m.cpu ? m : { ...m, cpu: cpuDelta(before, cpuSnapshot()) };
}

const message = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/**
 * Setup is not measured, and on a shared broker a fresh topic's metadata can lag
 * ("does not host this topic-partition"): one more try after a teardown, said aloud.
 */
async function setUp(p: PairedProbe | FigureProbe, ctx: BenchContext): Promise<void> {
  ctx.log(`[${p.id}] setup`);
  try {
    await p.setup();
  } catch (err) {
    ctx.log(`[${p.id}] setup failed, trying once more: ${err instanceof Error ? err.message : String(err)}`);
    await p.teardown().catch(() => undefined);
    await p.setup();
  }
}

export async function runPaired(p: PairedProbe, stage: string, ctx: BenchContext, cores: number): Promise<PairedResult> {
  const result: PairedResult = { kind: 'paired', id: p.id, stage, ratio: p.ratio, a: p.a, b: p.b, target: p.target, runsA: [], runsB: [] };
  try {
    await setUp(p, ctx);
    for (let i = 0; i < ctx.pairs; i++) {
      const a = await measured(() => p.runA());
      result.runsA.push(a);
      const b = await measured(() => p.runB());
      result.runsB.push(b);
      ctx.log(`[${p.id}] pair ${i + 1}/${ctx.pairs}: A ${Math.round(rateOf(a))}/s, B ${Math.round(rateOf(b))}/s`);
    }
    const ratesA = result.runsA.map(rateOf);
    const ratesB = result.runsB.map(rateOf);
    result.rateA = spread(ratesA);
    result.rateB = spread(ratesB);
    const j = judgeRatio(median(ratesA), median(ratesB), p.target);
    result.ratioOfMedians = j.ratio;
    result.holds = j.holds;
    result.cpuA = cpuMicrosPerEvent(result.runsA);
    result.cpuB = cpuMicrosPerEvent(result.runsB);
    result.cpuBoundRateB = cpuBoundRate(result.cpuB, cores);
  } catch (err) {
    result.error = message(err);
  } finally {
    await tearDown(p, result);
  }
  return result;
}

export async function runFigure(p: FigureProbe, stage: string, ctx: BenchContext, times: number): Promise<FigureResult> {
  const result: FigureResult = { kind: 'figure', id: p.id, stage, what: p.what, runs: [], figures: {} };
  try {
    await setUp(p, ctx);
    for (let i = 0; i < times; i++) {
      result.runs.push(await p.run());
      ctx.log(`[${p.id}] run ${i + 1}/${times}: ${JSON.stringify(result.runs[result.runs.length - 1])}`);
    }
    result.figures = medianFigures(result.runs);
    if (p.judge) {
      const j = p.judge(result.figures);
      result.target = j.target;
      result.holds = j.holds;
    }
  } catch (err) {
    result.error = message(err);
  } finally {
    await tearDown(p, result);
  }
  return result;
}

/** Runs the probe's teardown; its failure is added to the result's error. */
async function tearDown(p: { teardown(): Promise<void> }, result: { error?: string }): Promise<void> {
  await p.teardown().catch((err) => {
    result.error = `${result.error ? `${result.error}\n` : ''}teardown: ${message(err)}`;
  });
}

/** Median of each named figure over the runs. */
export function medianFigures(runs: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r[n]).filter((v): v is number => v !== undefined))]));
}

/** A probe result as console lines. */
export function describeResult(r: ProbeResult): string[] {
  const f = (n?: number) => (n === undefined || !Number.isFinite(n) ? '–' : n >= 100 ? Math.round(n).toString() : n.toFixed(2));
  if (r.kind === 'figure') {
    const lines = [`${r.id}: ${r.what}`];
    if (r.error) return [...lines, `  FAILED: ${r.error}`];
    lines.push(`  ${Object.entries(r.figures).map(([k, v]) => `${k}=${f(v)}`).join('  ')}`);
    if (r.target) lines.push(`  target: ${r.target} → ${r.holds ? 'holds' : 'DOES NOT HOLD'}`);
    return lines;
  }
  const lines = [`${r.id}: ${r.ratio}`];
  if (r.error) lines.push(`  FAILED: ${r.error}`);
  if (r.rateA && r.rateB) {
    lines.push(`  A ${r.a}: ${f(r.rateA.median)}/s (${f(r.rateA.min)}–${f(r.rateA.max)})`);
    lines.push(`  B ${r.b}: ${f(r.rateB.median)}/s (${f(r.rateB.min)}–${f(r.rateB.max)})`);
    const verdict = r.target === undefined ? '' : ` target ≥ ${r.target} → ${r.holds ? 'holds' : 'DOES NOT HOLD'}`;
    lines.push(`  B/A ${f(r.ratioOfMedians)}×${verdict}`);
    const cpu = (c?: Record<string, number>) => Object.entries(c ?? {}).map(([k, v]) => `${k} ${f(v)}`).join(', ') || '–';
    lines.push(`  CPU-µs/event A: ${cpu(r.cpuA)}`, `  CPU-µs/event B: ${cpu(r.cpuB)}; CPU-bound rate of B ${f(r.cpuBoundRateB)}/s`);
  }
  return lines;
}
