import type { ChildRows, Row } from '../transform/index.js';

/** Where a change came from: its Kafka record, kept for the dead-letter topic. */
export interface Origin {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** One document's net change within a batch, after transform. */
export interface Change {
  key: string;
  /** The source _id as id_map stores it: ObjectId hex, else canonical Extended JSON. */
  legacyId: string;
  op: 'upsert' | 'delete';
  /** The mapped row; for a delete, only the key column. */
  row: Row;
  /** Child table rows of an upsert, one entry per child mapping. */
  children: ChildRows[];
  ts: bigint;
  ord: number;
  origin: Origin;
  /** Set when the change comes back from the parking table: keeps its age. */
  parkedAt?: string;
}

function newer(a: Change, b: Change): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.ord > b.ord);
}

/**
 * De-duplicates by key, newest version wins, so one statement never touches a
 * row twice (ON CONFLICT cannot affect a row twice in one command).
 */
export function newestPerKey(changes: Iterable<Change>): Change[] {
  const byKey = new Map<string, Change>();
  for (const c of changes) {
    const seen = byKey.get(c.key);
    if (!seen || newer(c, seen)) byKey.set(c.key, c);
  }
  return [...byKey.values()];
}
