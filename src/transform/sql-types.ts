// PostgreSQL types of a mapping's columns, so the sink can create staging tables
// whose columns accept exactly the text transform() produces.

import type { ColumnMapping, ColumnType, Mapping } from './mapping-types.js';
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
    ...mapping.columns.map((col) => ({ column: col.column, sqlType: sqlTypeOf(col), nullable: col.nullable })),
    { column: mapping.extra, sqlType: 'jsonb', nullable: false },
  ];
}
