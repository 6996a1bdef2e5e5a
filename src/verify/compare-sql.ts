// SQL that compares a chunk of transformed MongoDB documents (COPYed into a typed
// temp table, exactly as the sink stages them) with the target rows of the same keys.
// PostgreSQL does the typed comparison: numerics by value (1.5 = 1.500000000000000000),
// jsonb as jsonb, timestamptz as instants (microseconds), enums as their text.

import pg from 'pg';
import type { ColumnSqlType } from '../transform/index.js';
import { isNumericType, type ComparedTable } from './tables.js';

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (text: string) => pg.escapeLiteral(text);

/** Staged columns: the table's columns, plus the _id as id_map stores it for the parent. */
export function stageColumns(t: ComparedTable): string[] {
  return [...t.columns.map((c) => c.column), ...(t.childIndex === null ? ['_tm_legacy_id'] : [])];
}

export function createStageSql(t: ComparedTable): string {
  const columns = t.columns.map((c) => `${ident(c.column)} ${c.sqlType}`);
  if (t.childIndex === null) columns.push('_tm_legacy_id text NOT NULL');
  return `CREATE TEMP TABLE IF NOT EXISTS ${ident(t.stage)} (${columns.join(', ')}) ON COMMIT DELETE ROWS`;
}

export function copyStageSql(t: ComparedTable): string {
  return `COPY ${ident(t.stage)} (${stageColumns(t).map(ident).join(', ')}) FROM STDIN`;
}

/** A value as the report shows it: numerics without padding zeros, everything else as PostgreSQL prints it. */
export function display(expr: string, sqlType: string): string {
  return isNumericType(sqlType) ? `trim_scale(${expr})::text` : `${expr}::text`;
}

/** The target's value in the staged type (an enum column compares as its text). */
const targetAs = (c: ColumnSqlType) => `t.${ident(c.column)}::${c.sqlType}`;

/**
 * Rows of the staged chunk and of the target under the given root keys ($1 uuid[])
 * that differ: missing on one side, or with the columns that differ and both values.
 * Returns root, key (jsonb of text), in_mongo, in_pg, fields (jsonb [[column, mongo, pg], ...] or null).
 */
export function diffSql(t: ComparedTable): string {
  const keySet = new Set(t.key);
  const compared = t.columns.filter((c) => !keySet.has(c.column));
  const join = t.key.map((k) => `s.${ident(k)} = t.${ident(k)}`).join(' AND ');
  const first = ident(t.key[0]!);
  const keyJson = `jsonb_build_object(${t.key.map((k) => `${literal(k)}, coalesce(s.${ident(k)}::text, t.${ident(k)}::text)`).join(', ')})`;
  const values = compared.map(
    (c) =>
      `(${literal(c.column)}, ${display(`s.${ident(c.column)}`, c.sqlType)}, ${display(targetAs(c), c.sqlType)}, ` +
      `s.${ident(c.column)} IS DISTINCT FROM ${targetAs(c)})`,
  );
  const fields =
    values.length === 0
      ? 'NULL::jsonb'
      : `(SELECT jsonb_agg(jsonb_build_array(v.c, v.m, v.p)) FROM (VALUES ${values.join(', ')}) AS v(c, m, p, d) WHERE v.d)`;
  // The field list is computed per joined row in the select list (a LATERAL over both
  // sides of a FULL JOIN is not plannable), then rows without a difference are dropped.
  return (
    `SELECT * FROM (SELECT coalesce(s.${ident(t.root)}, t.${ident(t.root)})::text AS root, ${keyJson} AS key, ` +
    `s.${first} IS NOT NULL AS in_mongo, t.${first} IS NOT NULL AS in_pg, ` +
    `CASE WHEN s.${first} IS NOT NULL AND t.${first} IS NOT NULL THEN ${fields} END AS fields ` +
    `FROM (SELECT * FROM ${ident(t.stage)}) s ` +
    `FULL JOIN (SELECT * FROM ${ident(t.table)} WHERE ${ident(t.root)} = ANY($1::uuid[])) t ON ${join}) d ` +
    `WHERE NOT (d.in_mongo AND d.in_pg) OR d.fields IS NOT NULL`
  );
}

/**
 * Staged parent rows whose target row exists but whose id_map row is missing or
 * names another uuid (the sink writes both in one transaction: CR-6).
 */
export function idMapSql(t: ComparedTable, collection: string): string {
  const key = ident(t.key[0]!);
  return (
    `SELECT s.${key}::text AS key, m.new_id::text AS found FROM ${ident(t.stage)} s ` +
    `JOIN ${ident(t.table)} t ON t.${key} = s.${key} ` +
    `LEFT JOIN id_map m ON m.collection = ${literal(collection)} AND m.legacy_object_id = s._tm_legacy_id ` +
    `WHERE m.new_id IS DISTINCT FROM s.${key}`
  );
}
