// Mapped columns read out of a document or an array element, shared by parent and
// child rows so both convert, reject and keep `extra` alike.

import { RejectedRecord } from '../ops/errors.js';
import { describeValue } from './bson-values.js';
import { convertColumn } from './columns.js';
import type { ColumnMapping } from './mapping-types.js';
import { readPath } from './paths.js';
import { toJsonbText } from './pg-text.js';

export type Entry = [column: string, value: string | null];

/** Where the columns read from, for messages and RejectedRecord context. */
export interface Scope {
  /** Message prefix naming collection and _id (and child table). */
  readonly label: string;
  /** Path of the source in the document: '' for the document, `items[2]` for an element. */
  readonly at: string;
  /** Context of every rejection: collection, id (and table, index). */
  readonly context: Readonly<Record<string, unknown>>;
}

export function joinPath(at: string, path: string): string {
  if (at === '') return path;
  return path === '' ? at : `${at}.${path}`;
}

/** Column values in mapping order, and the leaf paths they consumed (not `extra`). */
export function readColumns(
  source: unknown,
  columns: readonly ColumnMapping[],
  scope: Scope,
): { entries: Entry[]; consumed: Array<readonly string[]> } {
  const entries: Entry[] = [];
  const consumed: Array<readonly string[]> = [];
  for (const col of columns) {
    const path = joinPath(scope.at, col.segments.join('.'));
    const where = `${scope.label}: column ${col.column} (path ${path})`;
    // Built only for a rejection: spreading it for every column of every record was the transform's main cost.
    const context = () => ({ ...scope.context, column: col.column, path });
    const found = readPath(source, col.segments);
    if (found.kind === 'blocked') {
      throw new RejectedRecord(`${where}: ${joinPath(scope.at, found.at)} is ${describeValue(found.value)}, not a subdocument`, context());
    }
    if (found.kind === 'missing' || found.kind === 'null') {
      if (!col.nullable) {
        throw new RejectedRecord(`${where} is ${found.kind === 'null' ? 'NULL' : 'missing'} but NOT NULL`, context());
      }
      entries.push([col.column, null]);
    } else {
      entries.push([col.column, withContext(context, () => convertColumn(col, found.value, where))]);
    }
    // An explicit null is represented by the column; a missing field leaves nothing to remove.
    if (found.kind !== 'missing') consumed.push(col.segments);
  }
  return { entries, consumed };
}

/** The jsonb `extra` entry: what no column or child consumed, as canonical Extended JSON. */
export function extraEntry(rest: Record<string, unknown>, column: string, scope: Scope): Entry {
  const where = `${scope.label}: column ${column} (unmapped fields${scope.at === '' ? '' : ` of ${scope.at}`})`;
  return [column, withContext(() => ({ ...scope.context, column }), () => toJsonbText(rest, where))];
}

/** Conversions throw RejectedRecord with their own message; the context is ours. */
function withContext<T>(context: () => Record<string, unknown>, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    if (err instanceof RejectedRecord) throw new RejectedRecord(err.message, context());
    throw err;
  }
}
