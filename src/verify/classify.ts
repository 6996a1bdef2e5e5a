// What a difference that outlived the sink's position is: a document the pipeline
// set aside on purpose (dead-lettered with this very version, or parked waiting for a
// parent and not yet too old), or a real difference.

import type { ClusterTime } from '../source/position.js';
import type { DeadLetter } from './dead-letters.js';
import type { Observation } from './documents.js';
import type { Queryable } from './mirror.js';
import type { KeyReport, ParkedKey, Rejection } from './report.js';

/** A key still differing, with when (in MongoDB's cluster time) it was last observed. */
export interface Candidate extends Observation {
  collection: string;
  table: string;
  observedAt: ClusterTime;
  /**
   * The sink's stored offsets on the collection's topic (per partition), read before
   * this observation: versions written after it lie at or past them.
   */
  appliedFrom: ReadonlyMap<number, bigint>;
}

export interface ParkedEntry {
  reason: string;
  parkedAt: string;
  expired: boolean;
}

export type Outcome =
  | { status: 'difference'; report: KeyReport }
  | { status: 'parked'; parked: ParkedKey }
  | { status: 'rejected'; rejection: Rejection };

/** Parked changes of these target rows, with whether each is older than the sink's bound. */
export async function parkedEntries(db: Queryable, table: string, keys: readonly string[], maxAgeMs: number): Promise<Map<string, ParkedEntry>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; reason: string; parked_at: Date; expired: boolean }>(
    `SELECT id::text, reason, parked_at, parked_at < now() - $3 * interval '1 millisecond' AS expired
     FROM tidemark_parked WHERE target_table = $1 AND id = ANY($2::uuid[])`,
    [table, keys, maxAgeMs],
  );
  return new Map(rows.map((r) => [r.id, { reason: r.reason, parkedAt: r.parked_at.toISOString(), expired: r.expired }]));
}

export function classify(c: Candidate, deadLetter: DeadLetter | undefined, parked: ParkedEntry | undefined, maxAgeMs: number): Outcome {
  const report: KeyReport = { collection: c.collection, table: c.table, key: c.key, id: c.idText, problems: c.problems };
  // Only a dead letter of the version MongoDB holds now excuses the document's absence.
  const dead = deadLetter !== undefined && deadLetter.fingerprint === c.fingerprint ? deadLetter : undefined;
  const mappingRejects = c.problems.find((p) => p.kind === 'rejected');
  if (mappingRejects) {
    if (dead) return { status: 'rejected', rejection: { key: c.key, id: c.idText, reason: dead.reason } };
    return { status: 'difference', report: { ...report, note: 'the mapping rejects this document, and no dead letter holds this version of it' } };
  }
  if (parked) {
    const entry: ParkedKey = { key: c.key, id: c.idText, reason: parked.reason, parkedAt: parked.parkedAt, expired: parked.expired };
    if (!parked.expired) return { status: 'parked', parked: entry };
    return { status: 'difference', report: { ...report, note: `parked since ${parked.parkedAt}, longer than sink.parkedMaxAgeMs (${maxAgeMs} ms): ${parked.reason}` } };
  }
  if (dead) return { status: 'rejected', rejection: { key: c.key, id: c.idText, reason: dead.reason } };
  return { status: 'difference', report };
}
