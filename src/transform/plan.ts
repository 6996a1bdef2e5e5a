// What transformDocument() works from: per mapping, computed once (WeakMap by mapping
// object) instead of per record — the tree of consumed paths for `extra`, child tables
// in depth-first order, whether a child's keys can repeat at all. The fast path reads
// columns without closures or per-column objects; whenever anything is off (a column
// to reject, a value the `extra` writer does not know) it hands that part to the
// original code (readColumns, withoutPaths, extraEntry), which then produces exactly
// the old value, message and context. Mappings are read-only: a changed mapping
// must be a new object.

import type { ChildMapping, ColumnMapping, Mapping } from './mapping-types.js';
import { convertColumn } from './columns.js';
import { isPlainObject } from './bson-values.js';
import { ALWAYS, pathTree, restJson, type PathNode } from './extra-json.js';
import { jsonbAccepts } from './pg-text.js';

export interface ColumnsPlan {
  readonly columns: readonly ColumnMapping[];
  /** Paths `extra` leaves out: columns by index, children (and the parent's _id) always. */
  readonly consumed: PathNode;
  /** Child tables read from this source, in mapping order. */
  readonly children: readonly ChildPlan[];
}

export interface ParentPlan extends ColumnsPlan {
  readonly mapping: Mapping;
  /** Every child table, depth-first (transformDocument().children order). */
  readonly tables: readonly ChildPlan[];
  /** Some column is literally named __proto__: rows need defineProperty. */
  readonly protoColumn: boolean;
}

export interface ChildPlan extends ColumnsPlan {
  readonly child: ChildMapping;
  /** Index in ParentPlan.tables. */
  readonly table: number;
  /** A `$value` child: the element is the value, fields are not read. */
  readonly wholeElement: boolean;
  /**
   * Two rows of one document cannot have the same key: distinct column names, the whole
   * parent key copied and (arrays) the position in the key. The repeat check is skipped then.
   */
  readonly uniqueKeys: boolean;
  readonly protoColumn: boolean;
}

const plans = new WeakMap<Mapping, ParentPlan>();

export function planOf(mapping: Mapping): ParentPlan {
  let plan = plans.get(mapping);
  if (plan === undefined) {
    plan = parentPlan(mapping);
    plans.set(mapping, plan);
  }
  return plan;
}

function parentPlan(mapping: Mapping): ParentPlan {
  const tables: ChildPlan[] = [];
  const children = mapping.children.map((c) => childPlan(c, 1, tables));
  const names = [mapping.key.column, mapping.legacyIdColumn, ...mapping.columns.map((c) => c.column), mapping.extra];
  return {
    mapping,
    columns: mapping.columns,
    consumed: pathTree([
      { segments: ['_id'], terminal: ALWAYS },
      ...mapping.columns.map((c, i) => ({ segments: c.segments, terminal: i })),
      ...mapping.children.map((c) => ({ segments: c.segments, terminal: ALWAYS })),
    ]),
    children,
    tables,
    protoColumn: names.includes('__proto__'),
  };
}

function childPlan(child: ChildMapping, parentKeyLength: number, tables: ChildPlan[]): ChildPlan {
  const table = tables.length;
  const names = [...child.parentKey, ...(child.position === undefined ? [] : [child.position]),
    ...child.columns.map((c) => c.column), ...(child.extra === undefined ? [] : [child.extra])];
  const uniqueKeys = new Set(names).size === names.length
    && child.parentKey.length >= parentKeyLength
    && child.parentKey.every((c) => child.key.includes(c))
    && (child.shape === 'object' || (child.position !== undefined && child.key.includes(child.position)));
  const plan: ChildPlan = {
    child,
    table,
    columns: child.columns,
    consumed: pathTree([
      ...child.columns.map((c, i) => ({ segments: c.segments, terminal: i })),
      ...child.children.map((c) => ({ segments: c.segments, terminal: ALWAYS })),
    ]),
    children: [],
    wholeElement: child.columns.some((c) => c.segments.length === 0),
    uniqueKeys,
    protoColumn: names.includes('__proto__'),
  };
  tables.push(plan);
  (plan.children as ChildPlan[]).push(...child.children.map((c) => childPlan(c, child.key.length, tables)));
  return plan;
}

/** readPath()'s outcomes other than a value, without an object per read. */
export const MISSING: unique symbol = Symbol('missing');
export const BLOCKED: unique symbol = Symbol('blocked');

/** readPath(root, segments): the value, null, MISSING, or BLOCKED (a scalar or array on the way). */
export function readFast(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    if (current === undefined || current === null) return MISSING;
    if (!isPlainObject(current)) return BLOCKED;
    const key = segments[i] as string;
    current = Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return current === undefined ? MISSING : current;
}

/**
 * Column values into `row` (mapping order) and which columns were present (null
 * included: those leave `extra`). False at the first column the slow path must explain.
 */
export function readColumnsFast(
  source: unknown,
  plan: ColumnsPlan,
  row: Record<string, string | null>,
  present: boolean[],
  proto: boolean,
): boolean {
  const { columns } = plan;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i] as ColumnMapping;
    const found = readFast(source, col.segments);
    let value: string | null;
    if (found === BLOCKED) return false;
    if (found === MISSING || found === null) {
      if (!col.nullable) return false;
      value = null;
    } else {
      try {
        // `where` only ever goes into a rejection, which the slow path rebuilds.
        value = convertColumn(col, found, '');
      } catch {
        return false;
      }
    }
    put(row, col.column, value, proto);
    present[i] = found !== MISSING;
  }
  return true;
}

/** The `extra` text for `source` minus the consumed paths, or undefined: take the old path. */
export function extraFast(source: Record<string, unknown>, plan: ColumnsPlan, present: readonly boolean[]): string | undefined {
  let text: string | undefined;
  try {
    text = restJson(source, plan.consumed, present);
  } catch {
    return undefined;
  }
  return text !== undefined && jsonbAccepts(text) ? text : undefined;
}

/** Object.fromEntries' own data property, also for a column named __proto__. */
export function put(row: Record<string, string | null>, column: string, value: string | null, proto: boolean): void {
  if (proto && column === '__proto__') {
    Object.defineProperty(row, column, { value, enumerable: true, writable: true, configurable: true });
  } else {
    row[column] = value;
  }
}
