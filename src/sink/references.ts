import type { Mapping } from '../transform/index.js';
import type { Change } from './changes.js';

/** A `ref` column whose referenced collection is replicated: a physical FK in the target. */
export interface ForeignKey {
  /** Table holding the column: the mapping's table or one of its child tables. */
  table: string;
  column: string;
  /** Child table index in Change.children, or null for the mapping's own row. */
  child: number | null;
  parentTable: string;
  parentKey: string;
}

export interface ReferenceGraph {
  /** Per mapping table: the FKs its rows (and child rows) hold. */
  outgoing: Map<string, ForeignKey[]>;
  /** Per table: the FKs pointing at it, which can block a delete. */
  incoming: Map<string, ForeignKey[]>;
}

/**
 * The FK graph as the mappings declare it. A ref to a collection without a
 * mapping has no FK (nothing to wait for), so it is left out.
 */
export function referenceGraph(mappings: readonly Mapping[], childTables: (m: Mapping) => ChildColumns[]): ReferenceGraph {
  const byCollection = new Map(mappings.map((m) => [m.collection, m]));
  const outgoing = new Map<string, ForeignKey[]>();
  const incoming = new Map<string, ForeignKey[]>();
  for (const m of mappings) {
    const holders: ChildColumns[] = [{ table: m.table, columns: m.columns }, ...childTables(m)];
    const fks: ForeignKey[] = [];
    holders.forEach((holder, i) => {
      for (const col of holder.columns) {
        const parent = col.type === 'ref' && col.references !== undefined ? byCollection.get(col.references) : undefined;
        if (!parent) continue;
        const fk = { table: holder.table, column: col.column, child: i === 0 ? null : i - 1, parentTable: parent.table, parentKey: parent.key.column };
        fks.push(fk);
        incoming.set(parent.table, [...(incoming.get(parent.table) ?? []), fk]);
      }
    });
    outgoing.set(m.table, fks);
  }
  return { outgoing, incoming };
}

export interface ChildColumns {
  table: string;
  columns: Mapping['columns'];
}

/** The non-null parent ids an upsert refers to, as [parent table, id]. */
export function* referencedIds(fks: readonly ForeignKey[], change: Change): Generator<[ForeignKey, string]> {
  for (const fk of fks) {
    const rows = fk.child === null ? [change.row] : (change.children[fk.child]?.rows ?? []);
    for (const row of rows) {
      const id = row[fk.column];
      if (id !== null && id !== undefined) yield [fk, id];
    }
  }
}
