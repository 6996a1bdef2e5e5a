// Temporary driver for the pipeline probes until bench/run.ts lands (then deleted).
import type { FigureProbe, Measurement, PairedProbe } from '../lib/probe.js';
import { pipelineProbes } from './index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const pairs = Number(process.env.PAIRS ?? 5);
const ctx = { quick, pairs, log: (l: string) => console.log(`  · ${l}`) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (m: Measurement) => m.events / m.seconds;
const started = performance.now();
for (const probe of pipelineProbes(ctx)) {
  if (only.length > 0 && !only.includes(probe.id)) continue;
  const t0 = performance.now();
  await probe.setup();
  try {
    if ('runA' in probe) {
      const p = probe as PairedProbe;
      const as: Measurement[] = [];
      const bs: Measurement[] = [];
      for (let i = 0; i < pairs; i++) {
        as.push(await p.runA());
        bs.push(await p.runB());
        console.log(`  ${p.id} pair ${i + 1}: A ${rate(as[i]!).toFixed(0)}/s ${JSON.stringify(as[i]!.extra ?? {})}  B ${rate(bs[i]!).toFixed(0)}/s ${JSON.stringify(bs[i]!.extra ?? {})}`);
      }
      const ra = median(as.map(rate));
      const rb = median(bs.map(rate));
      console.log(`${p.id}: A ${p.a} ${ra.toFixed(0)}/s, B ${p.b} ${rb.toFixed(0)}/s, ratio ${(rb / ra).toFixed(2)} (target ${p.target ?? '-'}) — ${p.ratio}`);
    } else {
      const f = probe as FigureProbe;
      const figures = await f.run();
      console.log(`${f.id}: ${JSON.stringify(figures)} ${JSON.stringify(f.judge?.(figures) ?? {})}`);
    }
  } finally {
    await probe.teardown();
  }
  console.log(`  (${probe.id} took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
