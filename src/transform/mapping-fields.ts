// Validation of the parts a mapping file and its children share: one column, one
// identifier, one source path. Each helper reports through `problem(field, message)`
// so callers prefix the field path (`children[0].columns[2] (name).type`) and every
// problem of a file is collected in one round.

import { CHECKS, COLUMN_TYPES, NUMERIC_TYPES, VALUE_PATH } from './mapping-types.js';
import type { Check, ColumnMapping, ColumnType } from './mapping-types.js';

export type Problem = (field: string, message: string) => void;
export type Raw = Record<string, unknown>;

const COLUMN_KEYS = [
  'column', 'path', 'type', 'nullable', 'check', 'values', 'references', 'acceptHexString', 'precision', 'scale',
];
/** Plain lower-case PostgreSQL identifiers: safe to quote, no case surprises, ≤ 63 bytes. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Where a path is read: `_id` is the parent's key, `$value` exists only in array elements. */
export interface PathRules {
  readonly inChild: boolean;
  readonly valueAllowed: boolean;
}
export const TOP_LEVEL: PathRules = { inChild: false, valueAllowed: false };

export function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reports a column name used twice in one table. */
export function columnClaims(problem: Problem): (name: string | undefined, field: string) => void {
  const seen = new Map<string, string>();
  return (name, field) => {
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) problem(field, `duplicate column '${name}' (already used by ${first})`);
    else seen.set(name, field);
  };
}

/** The `columns` list: each column validated and its name claimed for the table. */
export function validateColumns(
  value: unknown,
  problem: Problem,
  claim: (name: string | undefined, field: string) => void,
  rules: PathRules,
): ColumnMapping[] {
  const columns: ColumnMapping[] = [];
  if (!Array.isArray(value)) {
    problem('columns', 'missing or not a list');
    return columns;
  }
  value.forEach((entry, i) => {
    const col = validateColumn(entry, i, problem, rules);
    if (col !== undefined) columns.push(col);
    if (isRecord(entry) && typeof entry.column === 'string') claim(entry.column, `columns[${i}] (${entry.column})`);
  });
  return columns;
}

function validateColumn(
  entry: unknown,
  index: number,
  problem: Problem,
  rules: PathRules,
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
  const segments = sourcePath(entry.path, fail, rules);
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
    column, path: segments.length === 0 ? VALUE_PATH : segments.join('.'), segments, type, nullable: entry.nullable as boolean,
    ...(check === undefined ? {} : { check }),
    ...(values === undefined ? {} : { values }),
    ...(references === undefined ? {} : { references }),
    ...(entry.acceptHexString === true ? { acceptHexString: true } : {}),
    ...(precision === undefined ? {} : { precision }),
    ...(scale === undefined ? {} : { scale }),
  };
}

export function unknownKeys(
  raw: Raw,
  allowed: readonly string[],
  prefix: string,
  problem: Problem,
): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) problem(`${prefix}${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

export function identifier(
  value: unknown,
  field: string,
  problem: Problem,
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

export function collectionName(
  value: unknown,
  field: string,
  problem: Problem,
  what = 'the MongoDB collection',
): string | undefined {
  if (typeof value !== 'string' || value === '' || value.includes('$') || value.includes('\0')) {
    problem(field, value === undefined ? `missing: name ${what}` : `${JSON.stringify(value)} is not a collection name`);
    return undefined;
  }
  return value;
}

/** Segments of a dotted path; [] for `$value` (the array element itself). */
export function sourcePath(value: unknown, problem: Problem, rules: PathRules): string[] | undefined {
  if (typeof value !== 'string' || value === '') {
    problem('path', value === undefined ? 'missing' : `${JSON.stringify(value)} is not a dotted field path`);
    return undefined;
  }
  if (value === VALUE_PATH) {
    if (rules.valueAllowed) return [];
    problem('path', `${VALUE_PATH} (the element itself) is only allowed in the columns of an array child`);
    return undefined;
  }
  const segments = value.split('.');
  if (segments.some((s) => s === '' || s.startsWith('$') || s.includes('\0'))) {
    problem('path', `${JSON.stringify(value)}: segments must be non-empty and must not start with '$'`);
    return undefined;
  }
  if (segments[0] === '_id' && !rules.inChild) {
    problem('path', "_id is mapped by key / legacyIdColumn, not by a column");
    return undefined;
  }
  return segments;
}

/** One identifier or a non-empty list of distinct ones (YAML `a` or `[a, b]`). */
export function identifierList(value: unknown, field: string, problem: Problem): string[] | undefined {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (value === undefined || list.length === 0) {
    problem(field, value === undefined ? 'missing' : 'must name at least one column');
    return undefined;
  }
  const names = list.map((v, i) => identifier(v, Array.isArray(value) ? `${field}[${i}]` : field, problem, true));
  if (names.some((n) => n === undefined)) return undefined;
  const valid = names as string[];
  if (new Set(valid).size !== valid.length) {
    problem(field, `lists a column twice: ${valid.join(', ')}`);
    return undefined;
  }
  return valid;
}

function enumValues(value: unknown, problem: Problem): Map<string, string> | undefined {
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
  problem: Problem,
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
