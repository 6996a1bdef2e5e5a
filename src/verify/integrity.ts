// Checks PostgreSQL answers on its own: the tables fit the mappings (types, time
// zones, precision, NULLs, keys), every foreign key of the target schema holds and is
// validated, and no change waits in the parking table past the sink's bound. Foreign
// keys are enforced by PostgreSQL, so a violation here means a constraint was dropped,
// left NOT VALID or bypassed (session_replication_role), never lag.

import pg from 'pg';
import { TidemarkError } from '../ops/errors.js';
import { tableShapes, targetProblems } from '../schema/index.js';
import type { Mapping } from '../transform/index.js';
import type { Queryable } from './mirror.js';
import type { CheckDifference } from './report.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/** tidemark's own tables the verifier reads or writes. */
const STATE_TABLES = ['tidemark_sink_offsets', 'id_map', 'tidemark_parked', 'tidemark_verifications'];

/**
 * Every table must exist (a missing one is "could not verify", never a pass); a
 * table whose shape differs from its mapping is a difference, and its documents are
 * not compared (returned in `notCompared`).
 */
export async function checkSchema(db: Queryable, schema: string, mappings: readonly Mapping[]): Promise<{ differences: CheckDifference[]; notCompared: Map<string, string> }> {
  const shapes = tableShapes(mappings);
  const wanted = [...STATE_TABLES, ...shapes.map((s) => s.table)];
  const { rows } = await db.query<{ name: string }>(
    `SELECT n AS name FROM unnest($2::text[]) AS n WHERE to_regclass(format('%I.%I', $1::text, n)) IS NULL`,
    [schema, wanted],
  );
  if (rows.length > 0) {
    throw new TidemarkError('TM_VERIFY_MISSING_TABLE', `tables missing in PostgreSQL schema ${schema}: ${rows.map((r) => r.name).join(', ')} (run tidemark schema apply)`);
  }
  const differences: CheckDifference[] = [];
  const notCompared = new Map<string, string>();
  for (const m of mappings) {
    // targetProblems only queries; the verifier's session is a plain client.
    const problems = await targetProblems(db as pg.PoolClient, schema, tableShapes([m]));
    for (const detail of problems) differences.push({ check: 'schema', table: m.table, detail });
    if (problems.length > 0) notCompared.set(m.collection, `the target tables do not fit ${m.file} (see checks.schema)`);
  }
  return { differences, notCompared };
}

interface ForeignKeyRow {
  name: string;
  table: string;
  parent: string;
  validated: boolean;
  columns: string[];
  parent_columns: string[];
  key: string[];
}

/** Every foreign key held by these tables: violations by exact row key, and keys left NOT VALID. */
export async function checkForeignKeys(db: Queryable, schema: string, tables: readonly string[], maxListed: number): Promise<{ checked: number; violations: CheckDifference[] }> {
  const { rows: fks } = await db.query<ForeignKeyRow>(
    `SELECT k.conname AS name, c.relname AS table, p.relname AS parent, k.convalidated AS validated,
       array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o)::text[] AS columns,
       array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)::text[] AS parent_columns,
       coalesce((SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n ORDER BY u.o)
                 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisprimary), '{}')::text[] AS key
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
     WHERE k.connamespace = $1::regnamespace AND k.contype = 'f' AND c.relname = ANY($2) ORDER BY 2, 1`,
    [schema, tables],
  );
  const violations: CheckDifference[] = [];
  for (const fk of fks) {
    if (!fk.validated) violations.push({ check: 'foreign-key', table: fk.table, detail: `${fk.name} is NOT VALID: existing rows were never checked` });
    const shown = [...new Set([...fk.key, ...fk.columns])];
    // MATCH SIMPLE: a row with a NULL in the key refers to nothing.
    const orphan =
      `FROM ${ident(fk.table)} c WHERE ${fk.columns.map((col) => `c.${ident(col)} IS NOT NULL`).join(' AND ')} ` +
      `AND NOT EXISTS (SELECT 1 FROM ${ident(fk.parent)} p WHERE ${fk.columns.map((col, i) => `p.${ident(fk.parent_columns[i]!)} = c.${ident(col)}`).join(' AND ')})`;
    const { rows: counted } = await db.query<{ n: string }>(`SELECT count(*)::text AS n ${orphan}`);
    const total = Number(counted[0]!.n);
    if (total === 0) continue;
    const { rows: listed } = await db.query<{ row: Record<string, string | null> }>(
      `SELECT jsonb_build_object(${shown.map((col) => `${pg.escapeLiteral(col)}, c.${ident(col)}::text`).join(', ')}) AS row ${orphan} ` +
        `ORDER BY ${shown.map((col) => `c.${ident(col)}`).join(', ')} LIMIT ${maxListed}`,
    );
    violations.push({
      check: 'foreign-key',
      table: fk.table,
      detail: `${total} row(s) break ${fk.name}: (${fk.columns.join(', ')}) → ${fk.parent} (${fk.parent_columns.join(', ')})`,
      keys: listed.map((r) => r.row),
    });
  }
  return { checked: fks.length, violations };
}
