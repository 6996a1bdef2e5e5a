import type { Document } from 'bson';
import { Random } from '../../src/workload/random.js';
import { changeMix, makeParents, type Parents } from '../lib/shapes.js';

/** The sink bed's seed (bench/sink/bed.ts): the same parents and documents as its probes. */
export const MEDIUM_SEED = 4242;

/**
 * `n` medium documents (payments referring to users and purchase requests) and the
 * parents they refer to, the same for the same seed; openSinkBed() puts these parents
 * into PostgreSQL and these documents, as records, on its topic.
 */
export function mediumSet(n: number, seed = MEDIUM_SEED): { parents: Parents; docs: Document[] } {
  const parents = makeParents(new Random(seed));
  const docs = changeMix('insert-only', 'medium', n, seed + 1, parents).map((c) => c.doc!);
  return { parents, docs };
}

export function mediumDocuments(n: number, seed = MEDIUM_SEED): Document[] {
  return mediumSet(n, seed).docs;
}
