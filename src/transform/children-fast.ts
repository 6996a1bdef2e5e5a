// children.ts's rows on the fast path (plan.ts). Answers undefined (or throws) for any
// document children.ts would reject or that needs its general code; transformDocument
// then runs the original, so rows and rejections are exactly children.ts's.

import { isPlainObject } from './bson-values.js';
import { BLOCKED, MISSING, extraFast, put, readColumnsFast, readFast } from './plan.js';
import type { ChildPlan, ParentPlan } from './plan.js';
import { restJson } from './extra-json.js';
import type { ChildRows, Row } from './row.js';

interface Run {
  readonly rows: Row[][];
  /** Key texts per table, for tables whose keys could repeat. */
  readonly keys: Array<Set<string> | undefined>;
}

/** Rows of every child table (depth-first), or undefined: the slow path must answer. */
export function childRowsFast(plan: ParentPlan, doc: Record<string, unknown>, parentKeyValue: string): ChildRows[] | undefined {
  const { tables } = plan;
  if (tables.length === 0) return [];
  const run: Run = { rows: [], keys: [] };
  for (const t of tables) {
    run.rows.push([]);
    run.keys.push(t.uniqueKeys ? undefined : new Set());
  }
  const parentKey = [parentKeyValue];
  for (const child of plan.children) if (!emitChild(run, child, doc, parentKey)) return undefined;
  return tables.map((t, i) => ({ table: t.child.table, rows: run.rows[i] as Row[] }));
}

function emitChild(run: Run, plan: ChildPlan, source: Record<string, unknown>, parentKey: ReadonlyArray<string | null>): boolean {
  const found = readFast(source, plan.child.segments);
  if (found === BLOCKED) return false;
  if (found === MISSING || found === null) return true; // no rows
  if (plan.child.shape === 'object') {
    return isPlainObject(found) && emitRow(run, plan, found, parentKey, undefined);
  }
  // children.ts uses forEach: it needs Array.prototype's, and skips holes.
  if (!Array.isArray(found) || Object.getPrototypeOf(found) !== Array.prototype) return false;
  const elements = found as unknown[];
  const length = elements.length;
  for (let index = 0; index < length; index++) {
    if (!(index in elements)) continue;
    if (!emitRow(run, plan, elements[index], parentKey, index)) return false;
  }
  return true;
}

function emitRow(run: Run, plan: ChildPlan, element: unknown, parentKey: ReadonlyArray<string | null>, index: number | undefined): boolean {
  const { child, protoColumn: proto } = plan;
  const row: Row = {};
  const parentColumns = child.parentKey;
  for (let i = 0; i < parentColumns.length; i++) put(row, parentColumns[i] as string, parentKey[i] ?? null, proto);
  if (child.position !== undefined) put(row, child.position, String(index), proto);
  let fields: Record<string, unknown> | undefined;
  if (!plan.wholeElement) {
    if (!isPlainObject(element)) return false;
    fields = element;
  }
  const present: boolean[] = [];
  if (!readColumnsFast(element, plan, row, present, proto)) return false;
  if (fields !== undefined) {
    if (child.extra !== undefined) {
      const extra = extraFast(fields, plan, present);
      if (extra === undefined) return false;
      put(row, child.extra, extra, proto);
    } else if (restJson(fields, plan.consumed, present) !== '{}') {
      return false; // unmapped fields and no extra column: children.ts rejects (or looks closer)
    }
  }
  const keys = run.keys[plan.table];
  const nested = fields !== undefined && plan.children.length > 0;
  let key: Array<string | null> | undefined;
  if (keys !== undefined || nested) {
    key = child.key.map((column) => row[column] ?? null);
  }
  if (keys !== undefined) {
    const keyText = JSON.stringify(key);
    if (keys.has(keyText)) return false; // repeats an earlier row: children.ts rejects
    keys.add(keyText);
  }
  (run.rows[plan.table] as Row[]).push(row);
  if (nested && key !== undefined) {
    for (const c of plan.children) if (!emitChild(run, c, fields as Record<string, unknown>, key)) return false;
  }
  return true;
}
