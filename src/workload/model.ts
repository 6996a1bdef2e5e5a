// The shared shape of generated workload documents (tests, benchmarks, `demo seed`).
import type { ObjectId } from 'bson';

/**
 * What the replicator must do with a generated document: land it in PostgreSQL,
 * reject it with a reason on the dead-letter topic, or park it because it references
 * a parent that never exists (a dangling reference; dead-lettered once its parking expires).
 */
export type Expectation = 'accepted' | 'rejected' | 'orphan';

export interface GeneratedDoc {
  /** MongoDB collection = connectors/<collection>.yaml. */
  collection: string;
  doc: Record<string, unknown>;
  expect: Expectation;
  /** For rejected and orphan documents: which hard case it is. */
  why?: string;
}

/** Probabilities (0..1) of the audit's hard cases, applied where a case fits. */
export interface HardCaseRates {
  nullAmount: number;
  leanDecimal: number;
  scientificNotation: number;
  weiBeyond2e53: number;
  legacyEnum: number;
  oauthWithoutEmail: number;
  ledgerWithoutEntryType: number;
  danglingRef: number;
  longArrays: number;
}

/** Ids of accepted parents, for children to reference. */
export interface Pools {
  [collection: string]: ObjectId[];
}

export const DEFAULT_RATES: HardCaseRates = {
  nullAmount: 0.01,
  leanDecimal: 0.05,
  scientificNotation: 0.02,
  weiBeyond2e53: 0.05,
  legacyEnum: 0.3,
  oauthWithoutEmail: 0.1,
  ledgerWithoutEntryType: 0.01,
  danglingRef: 0.005,
  longArrays: 0.01,
};
