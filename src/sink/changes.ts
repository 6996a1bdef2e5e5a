import type { Row } from '../transform/index.js';

/** One document's net change within a batch, after transform. */
export interface Change {
  key: string;
  /** The source _id as id_map stores it: ObjectId hex, else canonical Extended JSON. */
  legacyId: string;
  op: 'upsert' | 'delete';
  /** The mapped row; for a delete, only the key column. */
  row: Row;
  ts: bigint;
  ord: number;
  partition: number;
  offset: string;
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
