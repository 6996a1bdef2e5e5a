// Child rows (README.md, "children"): each element of an embedded array, or an
// embedded subdocument, becomes a row keyed by its parent row's key values. One bad
// element rejects the whole document: a document is one record, applied or rejected whole.

import { RejectedRecord } from '../ops/errors.js';
import { describeValue, isPlainObject } from './bson-values.js';
import type { ChildMapping, Mapping } from './mapping-types.js';
import { readPath, withoutPaths } from './paths.js';
import { extraEntry, joinPath, readColumns } from './read-columns.js';
import type { Entry, Scope } from './read-columns.js';
import type { ChildRows, Row } from './row.js';

interface Run {
  readonly collection: string;
  readonly id: string;
  /** Per child table, in depth-first mapping order: its rows and their key texts (to refuse repeats). */
  readonly tables: Map<ChildMapping, { rows: Row[]; keys: Set<string> }>;
}

/** Rows of every child table of `mapping` for one document (id = its canonical key). */
export function childRows(mapping: Mapping, doc: Record<string, unknown>, parentKeyValue: string, id: string): ChildRows[] {
  const run: Run = { collection: mapping.collection, id, tables: new Map() };
  const register = (children: readonly ChildMapping[]): void => {
    for (const child of children) {
      run.tables.set(child, { rows: [], keys: new Set() });
      register(child.children);
    }
  };
  register(mapping.children);
  for (const child of mapping.children) emitChild(run, child, doc, [parentKeyValue], '');
  return [...run.tables].map(([child, { rows }]) => ({ table: child.table, rows }));
}

function emitChild(run: Run, child: ChildMapping, source: Record<string, unknown>, parentKey: ReadonlyArray<string | null>, at: string): void {
  const path = joinPath(at, child.path);
  const label = `${run.collection} ${run.id}: child table ${child.table}`;
  const context = { collection: run.collection, id: run.id, table: child.table };
  const found = readPath(source, child.segments);
  if (found.kind === 'blocked') {
    throw rejected(label, path, context, `${joinPath(at, found.at)} is ${describeValue(found.value)}, not a subdocument`);
  }
  if (found.kind !== 'value') return; // missing or null: no rows
  const { value } = found;
  if (child.shape === 'object') {
    if (!isPlainObject(value)) throw rejected(label, path, context, `expected a subdocument, got ${describeValue(value)}`);
    emitRow(run, child, value, parentKey, undefined, { label, at: path, context });
  } else {
    if (!Array.isArray(value)) throw rejected(label, path, context, `expected an array, got ${describeValue(value)}`);
    value.forEach((element: unknown, index) => {
      emitRow(run, child, element, parentKey, index, { label, at: `${path}[${index}]`, context: { ...context, index } });
    });
  }
}

function emitRow(
  run: Run,
  child: ChildMapping,
  element: unknown,
  parentKey: ReadonlyArray<string | null>,
  index: number | undefined,
  scope: Scope,
): void {
  const entries: Entry[] = child.parentKey.map((column, i) => [column, parentKey[i] ?? null]);
  if (child.position !== undefined) entries.push([child.position, String(index)]);
  // A `$value` child (validation: then every column is `$value`) maps the element whole;
  // any other reads fields, so its elements must be subdocuments.
  let fields: Record<string, unknown> | undefined;
  if (!child.columns.some((c) => c.segments.length === 0)) {
    if (!isPlainObject(element)) {
      throw rejected(scope.label, scope.at, scope.context, `element is ${describeValue(element)}, not a subdocument`);
    }
    fields = element;
  }
  const { entries: values, consumed } = readColumns(element, child.columns, scope);
  entries.push(...values);
  if (fields !== undefined) {
    const rest = withoutPaths(fields, [...consumed, ...child.children.map((c) => c.segments)]);
    if (child.extra !== undefined) {
      entries.push(extraEntry(rest, child.extra, scope));
    } else if (Object.keys(rest).length > 0) {
      // Without an extra column, dropping them would lose data silently.
      throw rejected(scope.label, scope.at, scope.context,
        `unmapped field(s) ${leafPaths(rest).join(', ')} and no extra column to keep them`);
    }
  }
  // fromEntries defines own properties, so a column named __proto__ stays data.
  const row: Row = Object.fromEntries(entries);
  const key = child.key.map((column) => row[column] ?? null);
  const table = run.tables.get(child);
  const keyText = JSON.stringify(key);
  if (table?.keys.has(keyText)) {
    // Would fail the sink's INSERT (and its whole batch) as a primary key violation.
    throw rejected(scope.label, scope.at, scope.context, `key (${child.key.join(', ')}) = ${keyText} repeats an earlier row`);
  }
  table?.keys.add(keyText);
  table?.rows.push(row);
  if (fields !== undefined) {
    for (const nested of child.children) emitChild(run, nested, fields, key, scope.at);
  }
}

function rejected(label: string, path: string, context: Readonly<Record<string, unknown>>, message: string): RejectedRecord {
  return new RejectedRecord(`${label} (path ${path}): ${message}`, { ...context, path });
}

/** Dotted paths of the leaves left in `rest` ("colour", "size.w"), for the rejection reason. */
function leafPaths(rest: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(rest).flatMap(([key, value]) => (isPlainObject(value) && Object.keys(value).length > 0
    ? leafPaths(value, `${prefix}${key}.`)
    : [`${prefix}${key}`]));
}
