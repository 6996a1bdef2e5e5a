// Validation of `children` (embedded arrays / subdocuments → child tables), at the
// top level of a mapping and again inside any child. Fields are named by position
// (`children[0].children[1].position`), so every problem points into the file.

import {
  columnClaims, identifier, identifierList, isRecord, sourcePath, unknownKeys, validateColumns,
} from './mapping-fields.js';
import type { PathRules, Problem, Raw } from './mapping-fields.js';
import { CHILD_SHAPES, VALUE_PATH } from './mapping-types.js';
import type { ChildMapping, ColumnMapping } from './mapping-types.js';

const CHILD_KEYS = ['table', 'path', 'shape', 'parentKey', 'position', 'key', 'extra', 'columns', 'children'];

/** What a child must agree with: the parent's columns (same source) and the key its parentKey copies. */
interface ParentScope {
  readonly columns: readonly ColumnMapping[];
  /** undefined when the parent's key was itself invalid (already reported). */
  readonly keyLength: number | undefined;
  readonly rules: PathRules;
}

const IN_ELEMENT: PathRules = { inChild: true, valueAllowed: false };

export function validateChildren(value: unknown, parent: ParentScope, problem: Problem): ChildMapping[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem('children', 'must be a list of child tables');
    return [];
  }
  const children: ChildMapping[] = [];
  const paths: Array<{ segments: readonly string[]; at: string }> = [];
  value.forEach((entry, i) => {
    const at = `children[${i}]`;
    const child = validateChild(entry, at, parent, problem);
    if (child !== undefined) children.push(child);
    // Two children reading one field would write it to two tables. Checked on the raw
    // path (its own problems are reported above) so a sibling's other faults don't hide it.
    const segments = isRecord(entry) ? sourcePath(entry.path, () => undefined, parent.rules) : undefined;
    if (segments === undefined) return;
    const other = paths.find((p) => overlaps(p.segments, segments));
    if (other !== undefined) problem(`${at}.path`, `'${segments.join('.')}' overlaps ${other.at}.path '${other.segments.join('.')}'`);
    paths.push({ segments, at });
  });
  return children;
}

function validateChild(entry: unknown, at: string, parent: ParentScope, outer: Problem): ChildMapping | undefined {
  if (!isRecord(entry)) {
    outer(at, 'must be a mapping like { table, path, shape, parentKey, position, columns }');
    return undefined;
  }
  let ok = true;
  const problem: Problem = (field, message) => { ok = false; outer(`${at}.${field}`, message); };
  unknownKeys(entry, CHILD_KEYS, '', problem);

  const table = identifier(entry.table, 'table', problem, true);
  const segments = sourcePath(entry.path, problem, parent.rules);
  const shape = CHILD_SHAPES.find((s) => s === entry.shape);
  if (shape === undefined) {
    problem('shape', entry.shape === undefined
      ? 'missing: array (one row per element) or object (one row when present)'
      : `unknown shape ${JSON.stringify(entry.shape)} (allowed: ${CHILD_SHAPES.join(', ')})`);
  }
  const parentKey = identifierList(entry.parentKey, 'parentKey', problem);
  if (parentKey !== undefined && parent.keyLength !== undefined && parentKey.length !== parent.keyLength) {
    problem('parentKey', `names ${parentKey.length} column(s), but the parent's key has ${parent.keyLength}`);
  }
  const position = positionColumn(entry, shape, problem);
  const extra = identifier(entry.extra, 'extra', problem, false);

  const claim = columnClaims(problem);
  parentKey?.forEach((name, i) => claim(name, `parentKey[${i}]`));
  claim(position, 'position');
  claim(extra, 'extra');
  const columns = validateColumns(entry.columns, problem, claim, { inChild: true, valueAllowed: shape === 'array' });
  valueColumnProblems(entry, columns, extra, problem);
  const key = childKey(entry, parentKey, position, columns, problem);

  for (const col of parent.columns) {
    // A `$value` parent column has no fields; that child's `children` is reported already.
    if (segments !== undefined && col.segments.length > 0 && overlaps(segments, col.segments)) {
      problem('path', `'${segments.join('.')}' overlaps the parent's column ${col.column} (path ${col.path}): a field goes to one place`);
    }
  }
  const children = validateChildren(entry.children, { columns, keyLength: key?.length, rules: IN_ELEMENT }, problem);

  if (!ok || table === undefined || segments === undefined || shape === undefined || parentKey === undefined
    || key === undefined || (shape === 'array' && position === undefined)) return undefined;
  return {
    table, path: segments.join('.'), segments, shape, parentKey,
    ...(position === undefined ? {} : { position }),
    key,
    ...(extra === undefined ? {} : { extra }),
    columns, children,
  };
}

/** Arrays need the element index as a column (part of the default key); objects have none. */
function positionColumn(entry: Raw, shape: string | undefined, problem: Problem): string | undefined {
  if (shape === 'array') {
    if (entry.position !== undefined) return identifier(entry.position, 'position', problem, true);
    problem('position', 'missing: an array child needs an integer column for the element index');
  } else if (shape === 'object' && entry.position !== undefined) {
    problem('position', 'only array children have a position');
  }
  return undefined;
}

/** `$value` is the element itself, so nothing else can read a field of it. */
function valueColumnProblems(entry: Raw, columns: readonly ColumnMapping[], extra: string | undefined, problem: Problem): void {
  if (!columns.some((c) => c.segments.length === 0)) return;
  columns.forEach((col, i) => {
    if (col.segments.length > 0) {
      problem(`columns[${i}] (${col.column}).path`, `another column reads ${VALUE_PATH} (the whole element), so none may read a field of it`);
    }
  });
  if (extra !== undefined) problem('extra', `a ${VALUE_PATH} child consumes each element whole: nothing is left for extra`);
  if (entry.children !== undefined) problem('children', `a ${VALUE_PATH} child's elements have no fields to map`);
}

/**
 * The primary key: default [...parentKey, position?]. An explicit key may only name
 * this child's non-null columns and must contain parentKey, since the sink replaces
 * one parent's child rows as a set.
 */
function childKey(
  entry: Raw,
  parentKey: readonly string[] | undefined,
  position: string | undefined,
  columns: readonly ColumnMapping[],
  problem: Problem,
): string[] | undefined {
  if (parentKey === undefined) return undefined;
  if (entry.key === undefined) return [...parentKey, ...(position === undefined ? [] : [position])];
  const key = identifierList(entry.key, 'key', problem);
  if (key === undefined) return undefined;
  let ok = true;
  for (const name of key) {
    const col = columns.find((c) => c.column === name);
    if (col === undefined && !parentKey.includes(name) && name !== position) {
      ok = false;
      problem('key', `'${name}' is not a parentKey, position or column of this child`);
    } else if (col?.nullable === true) {
      ok = false;
      problem('key', `key column '${name}' must be nullable: false`);
    }
  }
  const missing = parentKey.filter((name) => !key.includes(name));
  if (missing.length > 0) {
    ok = false;
    problem('key', `must include the parentKey column(s) ${missing.join(', ')}: a parent's child rows are replaced as a set`);
  }
  return ok ? key : undefined;
}

/** Same field, or one inside the other. */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.every((segment, i) => long[i] === segment);
}
