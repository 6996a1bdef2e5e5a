// The mappings must fit the target tables before a single row is written: a
// column the DDL lacks, a type that differs, a NULL the DDL refuses or a primary
// key other than the mapping's key is a start-up error naming file and field.

import type pg from 'pg';
import { ConfigError } from '../ops/errors.js';
import { allChildMappings, childSqlTypes, columnSqlTypes, type ColumnSqlType, type Mapping } from '../transform/index.js';

/** What a mapping (or one of its child mappings) writes into one table. */
export interface TableShape {
  /** Mapping file and field, for messages: `connectors/users.yaml` or `... children[0]`. */
  where: string;
  table: string;
  columns: readonly ColumnSqlType[];
  key: readonly string[];
  /** Top-level tables carry the source version columns the sink guards with. */
  versioned: boolean;
}

interface DbColumn {
  table_name: string;
  column_name: string;
  type: string;
  not_null: boolean;
  has_default: boolean;
  is_enum: boolean;
}

/** PostgreSQL's own spelling (format_type) of the types mappings produce. */
const SPELLING: Record<string, string> = { timestamptz: 'timestamp with time zone' };

export async function checkTargetTables(db: pg.Pool | pg.PoolClient, schema: string, shapes: readonly TableShape[]): Promise<void> {
  const problems = await targetProblems(db, schema, shapes);
  if (problems.length > 0) throw new ConfigError(problems, `mappings against PostgreSQL schema ${schema}`);
}

export async function targetProblems(db: pg.Pool | pg.PoolClient, schema: string, shapes: readonly TableShape[]): Promise<string[]> {
  const tables = shapes.map((s) => s.table);
  const { rows: columns } = await db.query<DbColumn>(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.atthasdef AS has_default, t.typtype = 'e' AS is_enum
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, tables],
  );
  const { rows: keys } = await db.query<{ table_name: string; columns: string[] }>(
    `SELECT c.relname AS table_name, array_agg(a.attname ORDER BY k.ord)::text[] AS columns
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = $1 AND c.relname = ANY($2) AND i.indisprimary GROUP BY c.relname`,
    [schema, tables],
  );
  const problems: string[] = [];
  for (const shape of shapes) {
    const here = new Map(columns.filter((c) => c.table_name === shape.table).map((c) => [c.column_name, c]));
    const say = (what: string) => problems.push(`${shape.where}: table ${schema}.${shape.table}: ${what}`);
    if (here.size === 0) {
      say('does not exist (run `tidemark schema apply`)');
      continue;
    }
    const expected = [
      ...shape.columns,
      ...(shape.versioned ? [{ column: '_tm_ts', sqlType: 'bigint', nullable: false }, { column: '_tm_ord', sqlType: 'integer', nullable: false }] : []),
    ];
    for (const col of expected) {
      const db = here.get(col.column);
      if (!db) {
        say(`has no column ${col.column}`);
        continue;
      }
      const wanted = SPELLING[col.sqlType] ?? col.sqlType;
      // The sink stages and writes text: a PostgreSQL enum column would refuse every batch.
      if (db.is_enum) say(`column ${col.column} is ${db.type}, a PostgreSQL enum; the mapping writes ${wanted}: use ${wanted} with a CHECK of the values`);
      else if (db.type !== wanted) say(`column ${col.column} is ${db.type}, the mapping writes ${wanted}`);
      if (col.nullable && db.not_null) say(`column ${col.column} is NOT NULL but the mapping allows NULL (nullable: true)`);
    }
    const written = new Set(expected.map((c) => c.column));
    for (const db of here.values()) {
      if (!written.has(db.column_name) && db.not_null && !db.has_default) say(`column ${db.column_name} is NOT NULL without a default, and no mapping column writes it`);
    }
    const pk = keys.find((k) => k.table_name === shape.table)?.columns ?? [];
    if (pk.join(',') !== shape.key.join(',')) say(`primary key is (${pk.join(', ') || 'none'}), the mapping's key is (${shape.key.join(', ')})`);
  }
  return problems;
}

/** Every table the mappings write: each mapping's own (versioned) and its child tables. */
export function tableShapes(mappings: readonly Mapping[]): TableShape[] {
  return mappings.flatMap((m) => [
    { where: m.file, table: m.table, columns: columnSqlTypes(m), key: [m.key.column], versioned: true },
    ...allChildMappings(m).map((c) => ({
      where: `${m.file}: ${c.field}`,
      table: c.table,
      columns: childSqlTypes(c),
      key: c.key,
      versioned: false,
    })),
  ]);
}
