// Validation of one parsed mapping file. Every problem is collected (named by
// file and field) so a broken connectors/ folder is fixed in one round, and
// nothing is defaulted that could change data: `nullable` must be explicit.

import { validateChildren } from './mapping-children.js';
import {
  TOP_LEVEL, collectionName, columnClaims, identifier, isRecord, unknownKeys, validateColumns,
} from './mapping-fields.js';
import type { Mapping } from './mapping-types.js';
import { noteParentKeyTypes } from './sql-types.js';

const TOP_KEYS = ['collection', 'table', 'key', 'legacyIdColumn', 'extra', 'columns', 'children'];

/** A Mapping, or undefined after pushing at least one problem. */
export function validateMapping(raw: unknown, file: string, problems: string[]): Mapping | undefined {
  const before = problems.length;
  const problem = (field: string, message: string): void => {
    problems.push(`${file}: ${field}: ${message}`);
  };
  if (!isRecord(raw)) {
    problems.push(`${file}: must be a YAML mapping with collection, table, key, extra and columns`);
    return undefined;
  }
  unknownKeys(raw, TOP_KEYS, '', problem);

  const collection = collectionName(raw.collection, 'collection', problem);
  const table = identifier(raw.table, 'table', problem, true);
  let keyColumn: string | undefined;
  if (!isRecord(raw.key)) {
    problem('key', 'missing: write key: { column: <uuid primary key column> }');
  } else {
    unknownKeys(raw.key, ['column'], 'key.', problem);
    keyColumn = identifier(raw.key.column, 'key.column', problem, true);
  }
  const legacyIdColumn = identifier(raw.legacyIdColumn, 'legacyIdColumn', problem, false);
  if (raw.extra === undefined) problem('extra', 'missing: name the jsonb column that keeps unmapped fields (never dropped)');
  const extra = identifier(raw.extra, 'extra', problem, false);

  const claim = columnClaims(problem);
  claim(keyColumn, 'key.column');
  claim(legacyIdColumn, 'legacyIdColumn');
  claim(extra, 'extra');
  const columns = validateColumns(raw.columns, problem, claim, TOP_LEVEL);
  // The parent row's key is the one uuid column.
  const children = validateChildren(raw.children, { columns, keyLength: 1, rules: TOP_LEVEL }, problem);

  if (problems.length > before || collection === undefined || table === undefined
    || keyColumn === undefined || extra === undefined) return undefined;
  const mapping: Mapping = {
    file, collection, table, key: { column: keyColumn }, extra, columns, children,
    ...(legacyIdColumn === undefined ? {} : { legacyIdColumn }),
  };
  noteParentKeyTypes(mapping);
  return mapping;
}
