// What PostgreSQL must hold for the documents MongoDB holds now: each document run
// through its mapping exactly as the sink does (same BSON promotion rules), the
// rejected ones left out. Used to check convergence after the live mode.

import type { Db } from 'mongodb';
import { BSON_READ_OPTIONS } from '../envelope/index.js';
import { RejectedRecord } from '../ops/errors.js';
import { canonicalKey, transformDocument, type Mapping, type Transformed } from '../transform/index.js';

export interface AcceptedDocuments {
  /** Per collection: primary key (uuid) → the rows the mapping makes of the document. */
  byCollection: Map<string, Map<string, Transformed>>;
  /** Per table, parent and child tables: the rows expected. */
  tableRows: Map<string, number>;
  /** Documents the mapping rejects. */
  rejected: number;
}

/**
 * The documents of the mappings' collections that the mappings accept. `exclude`
 * names documents that will not land although they transform (`collection|canonical _id`,
 * e.g. the generator's orphans, whose parent never exists).
 */
export async function acceptedDocuments(db: Db, mappings: readonly Mapping[], exclude: ReadonlySet<string> = new Set()): Promise<AcceptedDocuments> {
  const out: AcceptedDocuments = { byCollection: new Map(), tableRows: new Map(), rejected: 0 };
  const add = (table: string, n: number) => out.tableRows.set(table, (out.tableRows.get(table) ?? 0) + n);
  for (const m of mappings) {
    const rows = new Map<string, Transformed>();
    add(m.table, 0);
    for await (const doc of db.collection(m.collection).find({}, BSON_READ_OPTIONS)) {
      if (exclude.has(`${m.collection}|${canonicalKey(doc._id)}`)) continue;
      let t: Transformed;
      try {
        t = transformDocument(m, doc);
      } catch (err) {
        if (!(err instanceof RejectedRecord)) throw err;
        out.rejected += 1;
        continue;
      }
      rows.set(t.row[m.key.column]!, t);
      add(m.table, 1);
      for (const child of t.children) add(child.table, child.rows.length);
    }
    out.byCollection.set(m.collection, rows);
  }
  return out;
}
