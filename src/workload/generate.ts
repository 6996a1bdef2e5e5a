// The whole Amanat workload: core money/marketplace collections, then the models
// the audit found not yet in PostgreSQL, referencing the core's accepted ids.
import { generateCore, CORE_COLLECTIONS } from './core.js';
import { generateExtended, EXTENDED_COLLECTIONS } from './extended.js';
import { DEFAULT_RATES, type GeneratedDoc, type HardCaseRates } from './model.js';
import { Random } from './random.js';

export const WORKLOAD_COLLECTIONS: readonly string[] = [...CORE_COLLECTIONS, ...EXTENDED_COLLECTIONS];

export interface WorkloadOptions {
  seed: number;
  /** The scale knob: every other collection's size follows from it (≈ 12 documents per purchase request). */
  purchaseRequests: number;
  rates?: Partial<HardCaseRates>;
}

/** Seeded and reproducible: the same options give the same documents. */
export function generateWorkload(opts: WorkloadOptions): GeneratedDoc[] {
  const rng = new Random(opts.seed);
  const rates = { ...DEFAULT_RATES, ...opts.rates };
  const core = generateCore(rng, { purchaseRequests: opts.purchaseRequests, rates });
  return [...core.docs, ...generateExtended(rng, core.pools, { scale: opts.purchaseRequests, rates })];
}

/** Documents per collection and outcome, for progress lines and test accounting. */
export function tally(docs: readonly GeneratedDoc[]): Map<string, Record<GeneratedDoc['expect'], number>> {
  const counts = new Map<string, Record<GeneratedDoc['expect'], number>>();
  for (const d of docs) {
    const c = counts.get(d.collection) ?? { accepted: 0, rejected: 0, orphan: 0 };
    c[d.expect] += 1;
    counts.set(d.collection, c);
  }
  return counts;
}
