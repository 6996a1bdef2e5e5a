import type pg from 'pg';
import { allChildMappings, type Mapping } from '../transform/index.js';
import type { Change } from './changes.js';

/** A single-column foreign key of the target schema, as the sink must respect it. */
export interface ForeignKey {
  /** Table holding the column. */
  table: string;
  column: string;
  /** For outgoing FKs: child table index in Change.children, or null for the mapping's own row. */
  child: number | null;
  parentTable: string;
  parentKey: string;
  /** DEFERRABLE INITIALLY DEFERRED: an edge of a reference cycle. */
  deferred: boolean;
}

export interface ReferenceGraph {
  /** Per mapping table: the FKs its rows (and child rows) hold. */
  outgoing: Map<string, ForeignKey[]>;
  /** Per mapping table: the FKs of other rows pointing at it that block its deletes (NO ACTION / RESTRICT). */
  incoming: Map<string, ForeignKey[]>;
}

/**
 * The FK graph as the database declares it, so a sink that applies only some
 * collections still waits for parents another sink writes. A child table's own
 * link to its parent is left out: those rows travel with their parent document.
 */
export async function loadReferenceGraph(db: pg.Pool | pg.PoolClient, schema: string, mappings: readonly Mapping[]): Promise<ReferenceGraph> {
  const { rows } = await db.query<{ table: string; column: string; parent_table: string; parent_key: string; deferred: boolean; on_delete: string }>(
    `SELECT c.relname AS table, a.attname AS column, p.relname AS parent_table, pa.attname AS parent_key,
            k.condeferrable AND k.condeferred AS deferred, k.confdeltype AS on_delete
     FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
     JOIN pg_class p ON p.oid = k.confrelid JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
     WHERE k.connamespace = $1::regnamespace AND k.contype = 'f' AND cardinality(k.conkey) = 1
     ORDER BY 1, 2`,
    [schema],
  );
  const outgoing = new Map<string, ForeignKey[]>();
  const incoming = new Map<string, ForeignKey[]>();
  for (const m of mappings) {
    const children = allChildMappings(m);
    const holders = new Map<string, number | null>([[m.table, null], ...children.map((c, i) => [c.table, i] as [string, number])]);
    const ownLinks = new Set(children.map((c) => `${c.table}.${c.parentKey[0]}`));
    outgoing.set(
      m.table,
      rows
        .filter((r) => holders.has(r.table) && !ownLinks.has(`${r.table}.${r.column}`))
        .map((r) => ({ table: r.table, column: r.column, child: holders.get(r.table)!, parentTable: r.parent_table, parentKey: r.parent_key, deferred: r.deferred })),
    );
    incoming.set(
      m.table,
      rows
        .filter((r) => r.parent_table === m.table && (r.on_delete === 'a' || r.on_delete === 'r'))
        .map((r) => ({ table: r.table, column: r.column, child: null, parentTable: r.parent_table, parentKey: r.parent_key, deferred: r.deferred })),
    );
  }
  return { outgoing, incoming };
}

/** The non-null parent ids an upsert refers to, with the FK each comes through. */
export function* referencedIds(fks: readonly ForeignKey[], change: Change): Generator<[ForeignKey, string]> {
  for (const fk of fks) {
    const rows = fk.child === null ? [change.row] : (change.children[fk.child]?.rows ?? []);
    for (const row of rows) {
      const id = row[fk.column];
      if (id !== null && id !== undefined) yield [fk, id];
    }
  }
}
