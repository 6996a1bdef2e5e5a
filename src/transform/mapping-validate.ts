// Validation of one parsed mapping file. Every problem is collected (named by
// file and field) so a broken connectors/ folder is fixed in one round, and
// nothing is defaulted that could change data: `nullable` must be explicit.

import { CHECKS, COLUMN_TYPES, NUMERIC_TYPES } from './mapping-types.js';
import type { Check, ColumnMapping, ColumnType, Mapping } from './mapping-types.js';

const TOP_KEYS = ['collection', 'table', 'key', 'legacyIdColumn', 'extra', 'columns'];
const COLUMN_KEYS = [
  'column', 'path', 'type', 'nullable', 'check', 'values', 'references', 'acceptHexString', 'precision', 'scale',
];
/** Plain lower-case PostgreSQL identifiers: safe to quote, no case surprises, ≤ 63 bytes. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

  const columns: ColumnMapping[] = [];
  if (!Array.isArray(raw.columns)) {
    problem('columns', 'missing or not a list');
  } else {
    raw.columns.forEach((entry, i) => {
      const col = validateColumn(entry, i, problem);
      if (col !== undefined) columns.push(col);
    });
  }

  const seen = new Map<string, string>();
  const claim = (name: string | undefined, field: string): void => {
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) problem(field, `duplicate column '${name}' (already used by ${first})`);
    else seen.set(name, field);
  };
  claim(keyColumn, 'key.column');
  claim(legacyIdColumn, 'legacyIdColumn');
  claim(extra, 'extra');
  if (Array.isArray(raw.columns)) {
    raw.columns.forEach((entry, i) => {
      if (isRecord(entry) && typeof entry.column === 'string') claim(entry.column, `columns[${i}] (${entry.column})`);
    });
  }

  if (problems.length > before || collection === undefined || table === undefined
    || keyColumn === undefined || extra === undefined) return undefined;
  return {
    file, collection, table, key: { column: keyColumn }, extra, columns,
    ...(legacyIdColumn === undefined ? {} : { legacyIdColumn }),
  };
}

function validateColumn(
  entry: unknown,
  index: number,
  problem: (field: string, message: string) => void,
): ColumnMapping | undefined {
  if (!isRecord(entry)) {
    problem(`columns[${index}]`, 'must be a mapping like { column, path, type, nullable }');
    return undefined;
  }
  const name = typeof entry.column === 'string' ? entry.column : undefined;
  const at = name === undefined ? `columns[${index}]` : `columns[${index}] (${name})`;
  const p = (field: string, message: string): void => problem(`${at}.${field}`, message);
  let ok = true;
  const fail = (field: string, message: string): void => { ok = false; p(field, message); };

  for (const key of Object.keys(entry)) {
    if (!COLUMN_KEYS.includes(key)) fail(key, `unknown key (allowed: ${COLUMN_KEYS.join(', ')})`);
  }
  const column = identifier(entry.column, 'column', fail, true);
  const segments = sourcePath(entry.path, fail);
  const type = COLUMN_TYPES.find((t) => t === entry.type);
  if (type === undefined) {
    fail('type', entry.type === undefined ? 'missing' : `unknown type ${JSON.stringify(entry.type)} (allowed: ${COLUMN_TYPES.join(', ')})`);
  }
  if (typeof entry.nullable !== 'boolean') {
    fail('nullable', 'must be true or false (no default: a NOT NULL column rejects missing values)');
  }

  let check: Check | undefined;
  if (entry.check !== undefined) {
    check = CHECKS.find((c) => c === entry.check);
    if (check === undefined) fail('check', `unknown check ${JSON.stringify(entry.check)} (allowed: ${CHECKS.join(', ')})`);
    else if (type !== undefined && !NUMERIC_TYPES.has(type)) fail('check', `only numeric types take a check, not '${type}'`);
  }

  const values = type === 'enum' ? enumValues(entry.values, fail) : undefined;
  if (type !== 'enum' && entry.values !== undefined && type !== undefined) fail('values', `only enum columns take values, not '${type}'`);

  let references: string | undefined;
  if (type === 'ref') {
    references = collectionName(entry.references, 'references', fail, 'the referenced collection');
  } else if (entry.references !== undefined && type !== undefined) {
    fail('references', `only ref columns take references, not '${type}'`);
  }
  if (entry.acceptHexString !== undefined) {
    if (type !== 'ref') fail('acceptHexString', 'only ref columns take acceptHexString');
    else if (typeof entry.acceptHexString !== 'boolean') fail('acceptHexString', 'must be true or false');
  }

  const { precision, scale } = decimalShape(entry, type, fail);

  if (!ok || column === undefined || segments === undefined || type === undefined) return undefined;
  return {
    column, path: segments.join('.'), segments, type, nullable: entry.nullable as boolean,
    ...(check === undefined ? {} : { check }),
    ...(values === undefined ? {} : { values }),
    ...(references === undefined ? {} : { references }),
    ...(entry.acceptHexString === true ? { acceptHexString: true } : {}),
    ...(precision === undefined ? {} : { precision }),
    ...(scale === undefined ? {} : { scale }),
  };
}

function unknownKeys(
  raw: Raw,
  allowed: readonly string[],
  prefix: string,
  problem: (field: string, message: string) => void,
): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) problem(`${prefix}${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function identifier(
  value: unknown,
  field: string,
  problem: (field: string, message: string) => void,
  required: boolean,
): string | undefined {
  if (value === undefined) {
    if (required) problem(field, 'missing');
    return undefined;
  }
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    problem(field, `${JSON.stringify(value)} is not a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)`);
    return undefined;
  }
  return value;
}

function collectionName(
  value: unknown,
  field: string,
  problem: (field: string, message: string) => void,
  what = 'the MongoDB collection',
): string | undefined {
  if (typeof value !== 'string' || value === '' || value.includes('$') || value.includes('\0')) {
    problem(field, value === undefined ? `missing: name ${what}` : `${JSON.stringify(value)} is not a collection name`);
    return undefined;
  }
  return value;
}

function sourcePath(value: unknown, problem: (field: string, message: string) => void): string[] | undefined {
  if (typeof value !== 'string' || value === '') {
    problem('path', value === undefined ? 'missing' : `${JSON.stringify(value)} is not a dotted field path`);
    return undefined;
  }
  const segments = value.split('.');
  if (segments.some((s) => s === '' || s.startsWith('$') || s.includes('\0'))) {
    problem('path', `${JSON.stringify(value)}: segments must be non-empty and must not start with '$'`);
    return undefined;
  }
  if (segments[0] === '_id') {
    problem('path', "_id is mapped by key / legacyIdColumn, not by a column");
    return undefined;
  }
  return segments;
}

function enumValues(value: unknown, problem: (field: string, message: string) => void): Map<string, string> | undefined {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    problem('values', 'an enum needs values: { <source value>: <target value>, ... }');
    return undefined;
  }
  const map = new Map<string, string>();
  for (const [source, target] of Object.entries(value)) {
    if (typeof target !== 'string' || target === '') {
      problem('values', `${JSON.stringify(source)} must map to a non-empty string, not ${JSON.stringify(target)}`);
    } else {
      map.set(source, target);
    }
  }
  return map;
}

function decimalShape(
  entry: Raw,
  type: ColumnType | undefined,
  problem: (field: string, message: string) => void,
): { precision?: number; scale?: number } {
  const { precision, scale } = entry;
  if (precision === undefined && scale === undefined) return {};
  if (type !== 'decimal') {
    problem(precision === undefined ? 'scale' : 'precision',
      type === 'money' ? 'money is always numeric(38,18); use type decimal for another shape' : 'only decimal columns take precision/scale');
    return {};
  }
  const p = precision ?? 38;
  const s = scale ?? 18;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 1000) {
    problem('precision', 'must be an integer 1..1000');
    return {};
  }
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > p) {
    problem('scale', `must be an integer 0..precision (${p})`);
    return {};
  }
  return { precision: p, scale: s };
}
