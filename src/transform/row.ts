// Document → row of PostgreSQL text input values. Strict: a NULL, missing or
// invalid value for a column the mapping forbids is a RejectedRecord with a reason
// naming collection, _id, column and path; never a default (audit CR-4 wrote '0').

import { RejectedRecord } from '../ops/errors.js';
import { describeValue } from './bson-values.js';
import { convertColumn } from './columns.js';
import { canonicalKey, legacyIdText, uuidFor } from './identity.js';
import type { Mapping } from './mapping-types.js';
import { readPath, withoutPaths } from './paths.js';
import { toJsonbText } from './pg-text.js';

/**
 * Column → PostgreSQL text input (as COPY text format and `$1::type` accept it,
 * before COPY escaping), null for SQL NULL. Keys in columnSqlTypes() order.
 */
export type Row = Record<string, string | null>;

export function transform(mapping: Mapping, doc: Record<string, unknown>): Row {
  const { collection } = mapping;
  let key: string;
  try {
    key = canonicalKey(doc._id);
  } catch (err) {
    if (err instanceof RejectedRecord) throw new RejectedRecord(`${collection}: ${err.message}`, { collection });
    throw err;
  }
  const label = `${collection} ${key}`;
  const entries: Array<[string, string | null]> = [[mapping.key.column, uuidFor(collection, doc._id)]];
  if (mapping.legacyIdColumn !== undefined) entries.push([mapping.legacyIdColumn, legacyIdText(doc._id)]);

  const consumed: Array<readonly string[]> = [['_id']];
  for (const col of mapping.columns) {
    const where = `${label}: column ${col.column} (path ${col.path})`;
    const context = { collection, id: key, column: col.column, path: col.path };
    const found = readPath(doc, col.segments);
    if (found.kind === 'blocked') {
      throw new RejectedRecord(`${where}: ${found.at} is ${describeValue(found.value)}, not a subdocument`, context);
    }
    if (found.kind === 'missing' || found.kind === 'null') {
      if (!col.nullable) {
        throw new RejectedRecord(`${where} is ${found.kind === 'null' ? 'NULL' : 'missing'} but NOT NULL`, context);
      }
      entries.push([col.column, null]);
    } else {
      try {
        entries.push([col.column, convertColumn(col, found.value, where)]);
      } catch (err) {
        if (err instanceof RejectedRecord) throw new RejectedRecord(err.message, context);
        throw err;
      }
    }
    // An explicit null is represented by the column; a missing field leaves nothing to remove.
    if (found.kind !== 'missing') consumed.push(col.segments);
  }

  const rest = withoutPaths(doc, consumed);
  const where = `${label}: column ${mapping.extra} (unmapped fields)`;
  try {
    entries.push([mapping.extra, toJsonbText(rest, where)]);
  } catch (err) {
    if (err instanceof RejectedRecord) throw new RejectedRecord(err.message, { collection, id: key, column: mapping.extra });
    throw err;
  }
  // fromEntries defines own properties, so a column named __proto__ stays data.
  return Object.fromEntries(entries);
}
