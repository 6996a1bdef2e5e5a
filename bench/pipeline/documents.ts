import type { Document } from 'bson';
import { Random, paymentDocument } from '../../src/workload/index.js';

// TODO(shapes): switch to bench/lib/shapes.ts's medium shape once it lands.
/** `n` medium documents (Amanat payments, no parent references), the same for the same seed. */
export function mediumDocuments(n: number, seed = 7007): Document[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => paymentDocument(rng));
}
