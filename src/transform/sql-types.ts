// PostgreSQL types of a mapping's columns, so the sink can create staging tables
// whose columns accept exactly the text transform() produces.

import type { ChildMapping, ColumnMapping, ColumnType, Mapping } from './mapping-types.js';
import { MONEY_PRECISION, MONEY_SCALE } from './mapping-types.js';

export interface ColumnSqlType {
  readonly column: string;
  readonly sqlType: string;
  readonly nullable: boolean;
}

const SQL_TYPES: Record<Exclude<ColumnType, 'decimal'>, string> = {
  text: 'text',
  int: 'integer',
  bigint: 'bigint',
  money: `numeric(${MONEY_PRECISION},${MONEY_SCALE})`,
  boolean: 'boolean',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
  ref: 'uuid',
  enum: 'text', // enum targets are validated here; the table may use a PG enum or CHECK
  jsonb: 'jsonb',
};

export function sqlTypeOf(col: ColumnMapping): string {
  return col.type === 'decimal' ? `numeric(${col.precision ?? 38},${col.scale ?? 18})` : SQL_TYPES[col.type];
}

/** Key, legacy id, mapped columns, extra: the same order as the keys of transform()'s Row. */
export function columnSqlTypes(mapping: Mapping): ColumnSqlType[] {
  return [
    { column: mapping.key.column, sqlType: 'uuid', nullable: false },
    ...(mapping.legacyIdColumn === undefined ? [] : [{ column: mapping.legacyIdColumn, sqlType: 'text', nullable: false }]),
    ...mapping.columns.map(columnSqlType),
    { column: mapping.extra, sqlType: 'jsonb', nullable: false },
  ];
}

function columnSqlType(col: ColumnMapping): ColumnSqlType {
  return { column: col.column, sqlType: sqlTypeOf(col), nullable: col.nullable };
}

/** A child table in its place: the child itself (spread, plus the object) and its parent. */
export interface PlacedChild extends ChildMapping {
  /** The mapping's own ChildMapping object (same identity as in `children`). */
  readonly child: ChildMapping;
  /** Where it is declared in the file, e.g. `children[0].children[1]`. */
  readonly field: string;
  readonly parentTable: string;
  /** The FK: (child.parentKey...) REFERENCES parentTable (parentKeyColumns...) ON DELETE CASCADE. */
  readonly parentKeyColumns: readonly string[];
}

/** Every child table of a mapping, depth-first (parents before their children: DDL / FK order). */
export function allChildMappings(mapping: Mapping): PlacedChild[] {
  const out: PlacedChild[] = [];
  const visit = (children: readonly ChildMapping[], parentTable: string, parentKeyColumns: readonly string[], at: string): void => {
    children.forEach((child, i) => {
      const field = `${at}children[${i}]`;
      out.push({ ...child, child, field, parentTable, parentKeyColumns });
      visit(child.children, child.table, child.key, `${field}.`);
    });
  };
  visit(mapping.children, mapping.table, [mapping.key.column], '');
  return out;
}

// A nested child's parentKey columns copy its parent's key, so their types depend
// on the parent, which the (shared, fixed) ChildMapping interface does not link to.
// Validation notes them here; a child not noted is top-level: one uuid.
const parentKeyTypes = new WeakMap<ChildMapping, readonly string[]>();

/** Called by validation once the mapping is complete. */
export function noteParentKeyTypes(mapping: Mapping): void {
  for (const { child } of allChildMappings(mapping)) {
    // Depth-first: this child's own parentKey types are already noted.
    const types = childSqlTypes(child);
    const typeOf = (column: string): string => types.find((t) => t.column === column)?.sqlType ?? 'uuid';
    for (const nested of child.children) parentKeyTypes.set(nested, child.key.map(typeOf));
  }
}

/**
 * parentKey..., position?, columns..., extra?: the same order as the keys of a child
 * Row. parentKey columns take the parent's key types (uuid at the top, integer for a
 * parent's position); accepts a ChildMapping or an allChildMappings() entry.
 */
export function childSqlTypes(child: ChildMapping): ColumnSqlType[] {
  const keyTypes = parentKeyTypes.get('child' in child ? (child as PlacedChild).child : child) ?? [];
  return [
    ...child.parentKey.map((column, i) => ({ column, sqlType: keyTypes[i] ?? 'uuid', nullable: false })),
    ...(child.position === undefined ? [] : [{ column: child.position, sqlType: 'integer', nullable: false }]),
    ...child.columns.map(columnSqlType),
    ...(child.extra === undefined ? [] : [{ column: child.extra, sqlType: 'jsonb', nullable: false }]),
  ];
}
