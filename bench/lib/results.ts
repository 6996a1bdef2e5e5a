// One JSON line per bench run (bench/results/results.jsonl) and bench/RESULTS.md plus
// bench/results/ratios.svg regenerated from the latest line.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Measurement } from './probe.js';
import type { Machine } from './machine.js';
import { totalMicros, type Spread } from './stats.js';

export interface PairedResult {
  kind: 'paired';
  id: string;
  stage: string;
  ratio: string;
  a: string;
  b: string;
  target?: number;
  rateA?: Spread;
  rateB?: Spread;
  /** Median rate of B ÷ median rate of A. */
  ratioOfMedians?: number;
  holds?: boolean;
  /** CPU-µs per event per process role, over all runs of each side. */
  cpuA?: Record<string, number>;
  cpuB?: Record<string, number>;
  /** Events/s if CPU alone limited side B: cores ÷ Σ CPU-s per event. */
  cpuBoundRateB?: number;
  runsA: Measurement[];
  runsB: Measurement[];
  error?: string;
}

export interface FigureResult {
  kind: 'figure';
  id: string;
  stage: string;
  what: string;
  runs: Array<Record<string, number>>;
  /** Median of each figure over the runs. */
  figures: Record<string, number>;
  target?: string;
  holds?: boolean;
  error?: string;
}

export type ProbeResult = PairedResult | FigureResult;

export interface RunRecord {
  date: string;
  commit: string;
  dirty: boolean;
  machine: Machine;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  probes: ProbeResult[];
}

export function appendRecord(file: string, record: RunRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(record) + '\n');
}

/**
 * The latest run of every probe of its stages (no --only), else the latest run at all:
 * a developer's run of one probe must not replace the page's figures.
 */
export function latestRecord(file: string): RunRecord {
  const records = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RunRecord);
  if (records.length === 0) throw new Error(`${file} holds no run`);
  const whole = records.filter((r) => r.settings.only === undefined || r.settings.only === 'all');
  return (whole.length > 0 ? whole : records)[(whole.length > 0 ? whole : records).length - 1]!;
}

/** Significant digits for a table: rates as integers, small numbers with 2–3 digits. */
export function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 100) return Math.round(n).toLocaleString('en-US');
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

const verdict = (holds: boolean | undefined, error?: string) => (error ? '**failed**' : holds === undefined ? '–' : holds ? 'yes' : '**no**');

/** CPU-µs per event by role, largest first (at most `limit` roles). */
const rolesText = (c?: Record<string, number>, limit = Infinity) =>
  c ? Object.entries(c).filter(([, v]) => v >= 0.05).sort((x, y) => y[1] - x[1]).slice(0, limit).map(([r, v]) => `${r} ${fmt(v)}`).join(', ') : '–';

function pairedRow(p: PairedResult): string {
  const range = (s?: Spread) => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '–');
  return `| ${p.id} | ${p.ratio} | ${range(p.rateA)} | ${range(p.rateB)} | ${p.ratioOfMedians === undefined ? '–' : `${fmt(p.ratioOfMedians)}×`} | ${p.target === undefined ? '–' : `≥ ${p.target}`} | ${verdict(p.holds, p.error)} | ${rolesText(p.cpuA)} | ${rolesText(p.cpuB)} | ${fmt(p.cpuBoundRateB)} |`;
}

/**
 * B's CPU-bound rate ÷ A's median rate: the ratio B's CPU per event allows at most. Only
 * where B's CPU covers just what was timed (a phase probe times one phase of a run whose
 * CPU is the whole run's: its CPU-bound rate falls below the rate it reached).
 */
function cpuCap(p: PairedResult): number | undefined {
  if (p.cpuBoundRateB === undefined || !p.rateA?.median || !p.rateB?.median || p.cpuBoundRateB < p.rateB.median) return undefined;
  return p.cpuBoundRateB / p.rateA.median;
}

function figureRow(f: FigureResult): string {
  const figs = Object.entries(f.figures).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  return `| ${f.id} | ${f.what} | ${figs || '–'} | ${f.target ?? '–'} | ${verdict(f.holds, f.error)} |`;
}

/** bench/RESULTS.md for one run. `chart` is the SVG's path relative to the markdown. */
export function renderMarkdown(r: RunRecord, chart = 'results/ratios.svg'): string {
  const out: string[] = [];
  out.push('# Bench results', '');
  out.push(`Latest run: ${r.date}, commit \`${r.commit.slice(0, 12)}\`${r.dirty ? ' (with uncommitted changes)' : ''}.`);
  out.push(`Settings: ${Object.entries(r.settings).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}.`, '');
  out.push(`Machine: ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}.`);
  out.push(`Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  out.push(
    'Every paired probe alternates the bare ceiling (A) and tidemark (B) on the same input, A B A B …; rates are events/s, median (min–max) over the runs, and the ratio is median B ÷ median A. CPU is µs per event per process role (utime + stime from /proc); "CPU-bound B" is the capacity model, cores ÷ Σ CPU-s per event of side B. CPU of roles a probe does not use (mongo in a sink probe) is other work on the machine: absolute rates from a shared machine are noisy, the alternation keeps the ratios fair.',
    '',
    '**The source-side figures say little about real MongoDB:** the local Mongo server (mongo-java-server, in memory) serves change streams from an in-memory oplog that each read polls and turns back into documents, so its change-stream rate and CPU are not those of a `mongod` replica set. Judge the source ratios with that in mind.',
    '',
    `![ratios of medians B/A against their targets](${chart})`,
    '',
  );
  const stages = [...new Set(r.probes.map((p) => p.stage))];
  for (const stage of stages) {
    out.push(`## ${stage}`, '');
    const paired = r.probes.filter((p): p is PairedResult => p.stage === stage && p.kind === 'paired');
    const figures = r.probes.filter((p): p is FigureResult => p.stage === stage && p.kind === 'figure');
    if (paired.length > 0) {
      out.push('| probe | ratio | A events/s | B events/s | B/A | target | holds | CPU-µs/event A | CPU-µs/event B | CPU-bound B |');
      out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
      out.push(...paired.map(pairedRow), '');
      for (const p of paired) out.push(`- **${p.id}**: A = ${p.a}; B = ${p.b}.${p.error ? ` Failed: \`${p.error.replace(/\s+/g, ' ').slice(0, 300)}\`` : ''}`);
      out.push('');
      const capped = paired.flatMap((p) => {
        const cap = cpuCap(p);
        return p.holds === false && cap !== undefined && cap < p.target! ? [{ p, cap }] : [];
      });
      if (capped.length > 0) {
        out.push('Targets B\'s CPU alone rules out on this machine (B\'s CPU-bound rate ÷ median A: the most B could reach with every core busy on it, whatever the overlap):', '');
        for (const { p, cap } of capped) out.push(`- **${p.id}**: at most ${fmt(cap)}× of the ${p.target}× target; B spends ${fmt(totalMicros(p.cpuB ?? {}))} CPU-µs per event (${rolesText(p.cpuB, 2)}).`);
        out.push('');
      }
    }
    if (figures.length > 0) {
      out.push('| probe | measures | figures (median over runs) | target | holds |', '| --- | --- | --- | --- | --- |');
      out.push(...figures.map(figureRow), '');
      for (const f of figures.filter((f) => f.error)) out.push(`- **${f.id}** failed: \`${f.error!.replace(/\s+/g, ' ').slice(0, 300)}\``);
      out.push('');
    }
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars of each paired probe's ratio on a log scale, with its target as a tick. */
export function renderRatioSvg(r: RunRecord): string {
  const rows = r.probes.filter((p): p is PairedResult => p.kind === 'paired' && p.ratioOfMedians !== undefined && Number.isFinite(p.ratioOfMedians));
  const width = 760;
  const left = 200;
  const barMax = width - left - 80;
  const rowH = 26;
  const height = 40 + rows.length * rowH + 30;
  const maxRatio = Math.max(2, ...rows.map((p) => Math.max(p.ratioOfMedians!, p.target ?? 0)));
  // log scale from 0.1 to maxRatio: ratios from 0.5 to 40 stay readable together.
  const x = (v: number) => left + (Math.log10(Math.max(v, 0.1)) + 1) / (Math.log10(maxRatio) + 1) * barMax;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<text x="10" y="20" font-size="14">Ratio of medians B/A (log scale); tick = target; ${esc(r.date)}</text>`);
  rows.forEach((p, i) => {
    const y = 36 + i * rowH;
    const colour = p.holds === undefined ? '#888' : p.holds ? '#2a7' : '#c33';
    parts.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(p.id)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(p.ratioOfMedians!) - left).toFixed(1)}" height="18" fill="${colour}"/>`);
    parts.push(`<text x="${(x(p.ratioOfMedians!) + 4).toFixed(1)}" y="${y + 14}">${fmt(p.ratioOfMedians)}×</text>`);
    if (p.target !== undefined) parts.push(`<line x1="${x(p.target).toFixed(1)}" x2="${x(p.target).toFixed(1)}" y1="${y - 3}" y2="${y + 21}" stroke="#000" stroke-width="2"/>`);
  });
  const axisY = 36 + rows.length * rowH + 4;
  for (const v of [0.1, 0.5, 1, 2, 5, 10, 20, 50].filter((v) => v <= maxRatio)) {
    parts.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="32" y2="${axisY}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${axisY + 14}" text-anchor="middle" fill="#555">${v}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Appends the run and regenerates the markdown and chart from it. */
export function writeResults(record: RunRecord, paths: { jsonl: string; markdown: string; svg: string }): void {
  appendRecord(paths.jsonl, record);
  const latest = latestRecord(paths.jsonl);
  writeFileSync(paths.svg, renderRatioSvg(latest));
  writeFileSync(paths.markdown, renderMarkdown(latest));
}
