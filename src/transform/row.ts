// Document → row of PostgreSQL text input values. Strict: a NULL, missing or
// invalid value for a column the mapping forbids is a RejectedRecord with a reason
// naming collection, _id, column and path; never a default (audit CR-4 wrote '0').
// Embedded arrays / subdocuments mapped as `children` become child rows (children.ts).

import { RejectedRecord } from '../ops/errors.js';
import { childRows } from './children.js';
import { childRowsFast } from './children-fast.js';
import { canonicalKey, legacyIdText, uuidFor, uuidForIdText } from './identity.js';
import type { Mapping } from './mapping-types.js';
import { withoutPaths } from './paths.js';
import { extraFast, planOf, put, readColumnsFast } from './plan.js';
import { extraEntry, readColumns } from './read-columns.js';
import type { Entry, Scope } from './read-columns.js';

/**
 * Column → PostgreSQL text input (as COPY text format and `$1::type` accept it,
 * before COPY escaping), null for SQL NULL. Keys in columnSqlTypes() order.
 */
export type Row = Record<string, string | null>;

/** One child table's rows for a document (keys in childSqlTypes() order). */
export interface ChildRows { readonly table: string; readonly rows: Row[] }

/** A document's parent row and, per ChildMapping (depth-first, also when empty), its child rows. */
export interface Transformed { row: Row; children: ChildRows[] }

/** The parent row only; rejects exactly what transformDocument() rejects. */
export function transform(mapping: Mapping, doc: Record<string, unknown>): Row {
  return transformDocument(mapping, doc).row;
}

/**
 * The fast path (plan.ts: no closures, `extra` written directly, uuid memo) answers
 * every ordinary document; anything it does not handle itself — every rejection,
 * unusual values in `extra` — throws, and the original implementation below then
 * gives its result or rejection, so both are exactly as before.
 */
export function transformDocument(mapping: Mapping, doc: Record<string, unknown>): Transformed {
  let fast: Transformed | undefined;
  try {
    fast = transformFast(mapping, doc);
  } catch {
    fast = undefined;
  }
  return fast ?? transformSlow(mapping, doc);
}

function transformFast(mapping: Mapping, doc: Record<string, unknown>): Transformed | undefined {
  const plan = planOf(mapping);
  const proto = plan.protoColumn;
  canonicalKey(doc._id); // what rejects a bad _id (or throws) first, as before
  // legacyIdText is canonicalKey's text except for an ObjectId (its hex).
  const idText = legacyIdText(doc._id);
  const id = uuidForIdText(mapping.collection, idText);
  const row: Row = {};
  put(row, mapping.key.column, id, proto);
  if (mapping.legacyIdColumn !== undefined) put(row, mapping.legacyIdColumn, idText, proto);
  const present: boolean[] = [];
  if (!readColumnsFast(doc, plan, row, present, proto)) return undefined;
  const extra = extraFast(doc, plan, present);
  if (extra === undefined) return undefined;
  put(row, mapping.extra, extra, proto);
  const children = childRowsFast(plan, doc, id);
  if (children === undefined) return undefined;
  return { row, children };
}

function transformSlow(mapping: Mapping, doc: Record<string, unknown>): Transformed {
  const { collection } = mapping;
  let key: string;
  try {
    key = canonicalKey(doc._id);
  } catch (err) {
    if (err instanceof RejectedRecord) throw new RejectedRecord(`${collection}: ${err.message}`, { collection });
    throw err;
  }
  const scope: Scope = { label: `${collection} ${key}`, at: '', context: { collection, id: key } };
  const id = uuidFor(collection, doc._id);
  const entries: Entry[] = [[mapping.key.column, id]];
  if (mapping.legacyIdColumn !== undefined) entries.push([mapping.legacyIdColumn, legacyIdText(doc._id)]);
  const { entries: values, consumed } = readColumns(doc, mapping.columns, scope);
  entries.push(...values);
  // _id is the key; a child's path belongs to its table whole (null there means no rows).
  const rest = withoutPaths(doc, [['_id'], ...consumed, ...mapping.children.map((c) => c.segments)]);
  entries.push(extraEntry(rest, mapping.extra, scope));
  // fromEntries defines own properties, so a column named __proto__ stays data.
  return { row: Object.fromEntries(entries), children: childRows(mapping, doc, id, key) };
}
