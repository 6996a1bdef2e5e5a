// µs of transformDocument per event, per collection, on documents decoded the way the
// sink decodes them (BSON round trip, promoteValues: false). No stack needed:
//
//   npm run -s bench:transform [-- --runs 7] [--per-run 2000] [--quick]
//
// Every run times documents no earlier run has seen (a fresh seed each), so a memo of
// uuidFor only helps where the workload itself repeats ids (references to buyers,
// sellers, purchase requests); `cold` rows clear that memo before every document.
// Prints the median (min–max) of the runs: CPU µs (process user+system) and wall µs.
import { BSON, type Document } from 'bson';
import { loadMappings, transformDocument, type Mapping } from '../../src/transform/index.js';
import { generateWorkload } from '../../src/workload/index.js';
import { Random } from '../../src/workload/random.js';
import type { BenchContext, FigureProbe } from '../lib/probe.js';
import { documentOf, makeParents } from '../lib/shapes.js';
import { median } from '../lib/stats.js';

// Same promotion rules as src/sink/decode.ts.
const SINK_BSON = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

/** A set of documents to time: one collection's documents, as the sink decodes them. */
export interface CostSet {
  name: string;
  mapping: Mapping;
  /** One array per run; no document (_id) appears in two runs. */
  runs: Document[][];
}

export interface CostOptions {
  runs: number;
  /** Documents per run and set (fewer when the workload has fewer). */
  perRun: number;
}

const WORKLOAD_SETS = ['payments', 'purchaseRequests', 'chats'] as const;

/** The sets of every run, built before any clock starts. Rejected documents are left out. */
export function buildSets(opts: CostOptions, mappings: readonly Mapping[] = loadMappings('connectors')): CostSet[] {
  const byName = new Map(mappings.map((m) => [m.collection, m]));
  const mappingOf = (c: string): Mapping => {
    const m = byName.get(c);
    if (m === undefined) throw new Error(`no mapping for ${c}`);
    return m;
  };
  const sets: CostSet[] = [
    ...WORKLOAD_SETS.map((c) => ({ name: c, mapping: mappingOf(c), runs: [] as Document[][] })),
    { name: 'payments-medium', mapping: mappingOf('payments'), runs: [] },
    { name: 'chats-large', mapping: mappingOf('chats'), runs: [] },
  ];
  const decoded = (doc: Document): Document => BSON.deserialize(BSON.serialize(doc), SINK_BSON);
  const accepted = (mapping: Mapping, doc: Document): boolean => {
    try {
      transformDocument(mapping, doc);
      return true;
    } catch {
      return false;
    }
  };
  // ≈ 0.7 payments and 0.2 chats per purchase request: payments fill a run, chats do not.
  const scale = Math.max(50, Math.ceil(opts.perRun * 1.5));
  for (let r = 0; r < opts.runs + 1; r++) { // run 0 warms up
    const workload = generateWorkload({ seed: 1000 + r, purchaseRequests: scale });
    for (const set of sets.slice(0, WORKLOAD_SETS.length)) {
      const docs = workload.filter((d) => d.collection === set.name).map((d) => decoded(d.doc as Document));
      set.runs.push(docs.filter((d) => accepted(set.mapping, d)).slice(0, opts.perRun));
    }
    const rng = new Random(5000 + r);
    const parents = makeParents(rng);
    const medium = sets[WORKLOAD_SETS.length]!;
    medium.runs.push(Array.from({ length: opts.perRun }, () => decoded(documentOf('medium', rng, parents))));
    const large = sets[WORKLOAD_SETS.length + 1]!;
    large.runs.push(Array.from({ length: Math.max(20, Math.floor(opts.perRun / 20)) }, () => decoded(documentOf('large', rng, parents))));
  }
  return sets;
}

export interface RunCost { cpuUs: number; wallUs: number }

/** One timed pass over `docs`; `before` (timed too, so keep it cheap) runs before every document. */
export function timeRun(mapping: Mapping, docs: readonly Document[], before?: () => void): RunCost {
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const doc of docs) {
    before?.();
    sink += transformDocument(mapping, doc).children.length;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) throw new Error('unreachable');
  return { cpuUs: (cpu.user + cpu.system) / docs.length, wallUs: wall / docs.length };
}

export interface SetFigures { name: string; docs: number; cpu: number[]; wall: number[] }

/** Every set's runs (run 0 is warm-up, not reported), sets interleaved per run. */
export function measure(sets: readonly CostSet[], clearMemo?: () => void): SetFigures[] {
  const figures = sets.map((s) => ({ name: s.name, docs: 0, cpu: [] as number[], wall: [] as number[] }));
  const runs = sets[0]!.runs.length;
  for (let r = 0; r < runs; r++) {
    sets.forEach((set, i) => {
      const docs = set.runs[r]!;
      const cost = timeRun(set.mapping, docs, clearMemo);
      if (r === 0) return;
      const f = figures[i]!;
      f.docs += docs.length;
      f.cpu.push(cost.cpuUs);
      f.wall.push(cost.wallUs);
    });
  }
  return figures;
}

/** The bench runner's form (no stack needed): median CPU µs per event of each set. */
export function transformCostProbe(ctx: BenchContext): FigureProbe {
  let sets: CostSet[] = [];
  return {
    id: 'transform-cost',
    what: 'transformDocument CPU µs per event (payments, purchaseRequests, chats; medium payments; large chats)',
    async setup() {
      sets = buildSets({ runs: ctx.pairs, perRun: ctx.quick ? 500 : 2000 });
    },
    async run() {
      const out: Record<string, number> = {};
      for (const f of measure(sets)) out[`${f.name}_cpu_us`] = median(f.cpu);
      return out;
    },
    async teardown() {
      sets = [];
    },
  };
}

function fmt(values: readonly number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `${median(s).toFixed(1).padStart(7)} (${s[0]!.toFixed(1)}–${s[s.length - 1]!.toFixed(1)})`;
}

async function main(argv: readonly string[]): Promise<void> {
  const opts: CostOptions = { runs: 7, perRun: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') opts.runs = Number(argv[++i]);
    else if (arg === '--per-run') opts.perRun = Number(argv[++i]);
    else if (arg === '--quick') Object.assign(opts, { runs: 5, perRun: 500 });
    else throw new Error(`unknown argument ${String(arg)} (known: --runs n ≥ 5, --per-run n, --quick)`);
  }
  if (!(Number.isInteger(opts.runs) && opts.runs >= 5)) throw new Error('--runs must be an integer ≥ 5');
  const sets = buildSets(opts);
  // The memo of uuidFor, if this version has one (src/transform/identity.ts).
  const identity = await import('../../src/transform/identity.js') as { clearUuidMemo?: () => void };
  const rows: Array<[string, SetFigures]> = measure(sets).map((f) => [f.name, f]);
  if (identity.clearUuidMemo !== undefined) {
    for (const f of measure(sets, identity.clearUuidMemo)) rows.push([`${f.name} (cold)`, f]);
  }
  process.stdout.write(`transformDocument, µs per event, median (min–max) of ${opts.runs} runs\n`);
  process.stdout.write(`${'set'.padEnd(26)}${'docs'.padStart(7)}  ${'CPU µs'.padEnd(24)}wall µs\n`);
  for (const [name, f] of rows) {
    process.stdout.write(`${name.padEnd(26)}${String(f.docs).padStart(7)}  ${fmt(f.cpu).padEnd(24)}${fmt(f.wall)}\n`);
  }
}

if (process.argv[1]?.endsWith('transform-cost.js')) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`transform-cost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
