// Enum completeness: every value MongoDB holds for an enum column must be listed in
// the mapping (an unlisted one is a rejected record). Values are tallied while the
// documents stream by; only unmapped ones are kept, a bounded number per column.

import { EJSON } from 'bson';
import type { ChildMapping, ColumnMapping, Mapping } from '../transform/index.js';
import type { UnmappedEnum } from './report.js';

/** Distinct unmapped values kept per column (their documents are all counted). */
const MAX_VALUES_PER_COLUMN = 100;

export class EnumTally {
  private readonly unmapped = new Map<string, UnmappedEnum>();
  private readonly perColumn = new Map<string, number>();

  /** Looks at every enum column of the document and of its embedded child elements. */
  observe(mapping: Mapping, doc: Record<string, unknown>, id: string): void {
    this.visit(mapping.table, mapping.columns, mapping.children, doc, id);
  }

  values(): UnmappedEnum[] {
    return [...this.unmapped.values()].sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column) || a.value.localeCompare(b.value));
  }

  private visit(table: string, columns: readonly ColumnMapping[], children: readonly ChildMapping[], element: unknown, id: string): void {
    for (const col of columns) {
      if (col.type !== 'enum') continue;
      const value = col.segments.length === 0 ? element : at(element, col.segments);
      if (value === undefined || value === null) continue;
      if (typeof value === 'string' && col.values?.has(value)) continue;
      this.note(table, col.column, typeof value === 'string' ? value : EJSON.stringify(value as never, { relaxed: false }), id);
    }
    for (const child of children) {
      const value = at(element, child.segments);
      const elements = child.shape === 'array' ? (Array.isArray(value) ? value : []) : value === undefined || value === null ? [] : [value];
      for (const e of elements) this.visit(child.table, child.columns, child.children, e, id);
    }
  }

  private note(table: string, column: string, value: string, id: string): void {
    const k = `${table}\u0000${column}\u0000${value}`;
    const seen = this.unmapped.get(k);
    if (seen) {
      seen.documents += 1;
      return;
    }
    const columnKey = `${table}\u0000${column}`;
    const distinct = this.perColumn.get(columnKey) ?? 0;
    if (distinct >= MAX_VALUES_PER_COLUMN) return;
    this.perColumn.set(columnKey, distinct + 1);
    this.unmapped.set(k, { table, column, value, documents: 1, exampleId: id });
  }
}

function at(value: unknown, segments: readonly string[]): unknown {
  let here = value;
  for (const s of segments) {
    if (here === null || typeof here !== 'object' || Array.isArray(here)) return undefined;
    here = (here as Record<string, unknown>)[s];
  }
  return here;
}
