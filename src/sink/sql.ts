import pg from 'pg';
import type { Mapping } from '../transform/index.js';
import { allChildMappings, childSqlTypes, columnSqlTypes } from '../transform/index.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/** Columns every replicated table carries: the source version of the row. */
const VERSION_COLUMNS = ['_tm_ts', '_tm_ord'] as const;

/** The SQL that applies one table's staged changes; built once per mapping. */
export interface TableStatements {
  staging: string;
  createStaging: string;
  copy: string;
  /** The mapped columns, in the order COPY lines carry them (the version and op columns follow). */
  dataColumns: string[];
  lockParked: string;
  deleteRows: string;
  upsertTombstones: string;
  upsertRows: string;
  deleteTombstones: string;
  upsertIdMap: string;
  clearParked: string;
  /**
   * lockParked, deleteRows, upsertTombstones, upsertRows, deleteTombstones, upsertIdMap
   * and clearParked as one multi-statement query (one round trip; results in that order).
   */
  merge: string;
  /** Child tables in depth-first order (parents before their children). */
  children: ChildStatements[];
}

/**
 * One child table's rows for the parent rows whose upsert won, applied by difference:
 * a long embedded array (a chat's messages) that gains one element rewrites one row,
 * not all of them, and keeps the unchanged rows' FK checks and index upkeep away.
 */
export interface ChildStatements {
  table: string;
  /** The child table one level up (the mapping's own table for a direct child). */
  parentTable: string;
  staging: string;
  createStaging: string;
  copy: string;
  /** The child's columns, in COPY order (the root key follows). */
  dataColumns: string[];
  /** Every row of the winners: for a child table with no staged rows in this batch. */
  deleteAll: string;
  /** Rows of the winners that no staged row equals (key and content): gone or changed. */
  deleteStale: string;
  /** Staged rows not in the table: new or changed (deleteStale removed the old ones). */
  insertMissing: string;
}

export function tableStatements(mapping: Mapping, schema: string): TableStatements {
  const statements = singleStatements(mapping, schema);
  return { ...statements, merge: [statements.lockParked, statements.deleteRows, statements.upsertTombstones, statements.upsertRows, statements.deleteTombstones, statements.upsertIdMap, statements.clearParked].join(';\n') };
}

function singleStatements(mapping: Mapping, schema: string): Omit<TableStatements, 'merge'> {
  const target = `${ident(schema)}.${ident(mapping.table)}`;
  const key = ident(mapping.key.column);
  const columns = columnSqlTypes(mapping);
  const dataColumns = columns.map((c) => c.column);
  const staging = ident(`_tm_stage_${mapping.table}`);
  const stagedColumns = [...dataColumns, '_tm_ts', '_tm_ord', '_tm_op', '_tm_legacy_id'];
  const colList = dataColumns.map(ident).join(', ');
  const updates = [...dataColumns.filter((c) => c !== mapping.key.column), ...VERSION_COLUMNS]
    .map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`)
    .join(', ');
  const tombstones = `${ident(schema)}.tidemark_tombstones`;
  const table = pg.escapeLiteral(mapping.table);
  const collection = pg.escapeLiteral(mapping.collection);
  const parked = `${ident(schema)}.tidemark_parked`;
  // The parked entries of the staged keys. `id = ANY(ARRAY(…))` makes the plan probe
  // tidemark_parked's primary key per staged id. A plain join with staging hashes every
  // parked row of the table instead: 80 ms a 5,000-row batch with 200,000 parked
  // (children loaded before their parents), 14 here.
  const parkedOfStaged = `pk.target_table = ${table} AND pk.id = ANY (ARRAY(SELECT ${key} FROM ${staging}))`;
  return {
    staging,
    dataColumns,
    // Typed staging columns: COPY parses each value once; the merge needs no casts.
    createStaging:
      `CREATE TEMP TABLE IF NOT EXISTS ${staging} (` +
      columns.map((c) => `${ident(c.column)} ${c.sqlType}`).join(', ') +
      `, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL, _tm_op "char" NOT NULL, _tm_legacy_id text NOT NULL) ON COMMIT DELETE ROWS`,
    copy: `COPY ${staging} (${stagedColumns.map(ident).join(', ')}) FROM STDIN`,
    // A parked change is applied by whichever transaction wakes or retries it, not by the
    // one that owns its partition, and neither sees the other's uncommitted rows: an older
    // woken insert would survive a newer delete, each missing the other's row or tombstone.
    // The taker holds the parked row (deleted) until it commits, so locking the parked rows
    // of the staged keys first makes this transaction wait for it; the statements below
    // then see what it wrote (READ COMMITTED: a new snapshot per statement).
    lockParked: `SELECT FROM ${parked} pk WHERE ${parkedOfStaged} ORDER BY pk.id FOR UPDATE`,
    deleteRows:
      `DELETE FROM ${target} t USING ${staging} s WHERE s._tm_op = 'd' AND t.${key} = s.${key} ` +
      `AND (t._tm_ts, t._tm_ord) < (s._tm_ts, s._tm_ord)`,
    // A versioned tombstone keeps a late, older upsert from resurrecting the row.
    // Only a delete that won leaves one (after deleteRows, a remaining row is newer):
    // a key has a tombstone exactly when its newest version is a delete, whatever the
    // batch boundaries were, so a replay in other batches changes nothing.
    upsertTombstones:
      `INSERT INTO ${tombstones} AS tb (target_table, id, _tm_ts, _tm_ord) ` +
      `SELECT ${table}, s.${key}, s._tm_ts, s._tm_ord FROM ${staging} s WHERE s._tm_op = 'd' ` +
      `AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE t.${key} = s.${key}) ` +
      `ON CONFLICT (target_table, id) DO UPDATE SET _tm_ts = EXCLUDED._tm_ts, _tm_ord = EXCLUDED._tm_ord, deleted_at = now() ` +
      `WHERE (tb._tm_ts, tb._tm_ord) < (EXCLUDED._tm_ts, EXCLUDED._tm_ord)`,
    upsertRows:
      `INSERT INTO ${target} AS t (${colList}, _tm_ts, _tm_ord) ` +
      `SELECT ${dataColumns.map((c) => `s.${ident(c)}`).join(', ')}, s._tm_ts, s._tm_ord FROM ${staging} s ` +
      `WHERE s._tm_op = 'u' AND NOT EXISTS (SELECT 1 FROM ${tombstones} tb WHERE tb.target_table = ${table} ` +
      `AND tb.id = s.${key} AND (tb._tm_ts, tb._tm_ord) >= (s._tm_ts, s._tm_ord)) ` +
      `ON CONFLICT (${key}) DO UPDATE SET ${updates} WHERE (t._tm_ts, t._tm_ord) < (EXCLUDED._tm_ts, EXCLUDED._tm_ord)`,
    // A row re-created after its delete is guarded by its own version: its older tombstone goes.
    deleteTombstones:
      `DELETE FROM ${tombstones} tb USING ${target} t, ${staging} s WHERE s._tm_op = 'u' AND t.${key} = s.${key} ` +
      `AND tb.target_table = ${table} AND tb.id = t.${key} AND (tb._tm_ts, tb._tm_ord) < (t._tm_ts, t._tm_ord)`,
    // The id_map row is written in the same transaction as the data row (the audit's CR-6),
    // for every key seen, deletes too: which keys have one must not depend on batch boundaries
    // (an insert and its delete in one batch would otherwise leave none).
    upsertIdMap:
      `INSERT INTO ${ident(schema)}.id_map (collection, legacy_object_id, new_id) ` +
      `SELECT ${collection}, s._tm_legacy_id, s.${key} FROM ${staging} s ` +
      `ON CONFLICT (collection, legacy_object_id) DO NOTHING`,
    // A parked older version of a row just written (or deleted) can never apply: it goes.
    clearParked:
      `DELETE FROM ${parked} pk USING ${staging} s WHERE ${parkedOfStaged} ` +
      `AND pk.id = s.${key} AND (pk._tm_ts, pk._tm_ord) <= (s._tm_ts, s._tm_ord)`,
    children: childStatements(mapping, schema, { target, staging, key }),
  };
}

/** Types whose `=` is identity; others (numeric scale, jsonb numbers, enums vs text) compare as text. */
const EXACT_EQUALITY = new Set(['uuid', 'integer', 'bigint', 'boolean', 'timestamptz']);

function childStatements(mapping: Mapping, schema: string, parent: { target: string; staging: string; key: string }): ChildStatements[] {
  // The column holding the root row's key, per table: a nested child's parentKey copies its parent's key.
  const rootColumn = new Map([[mapping.table, mapping.key.column]]);
  // A staged upsert won when the target now holds exactly its version (a replay of
  // that version finds its children equal and writes nothing).
  const won = `s._tm_op = 'u' AND t.${parent.key} = s.${parent.key} AND (t._tm_ts, t._tm_ord) = (s._tm_ts, s._tm_ord)`;
  return allChildMappings(mapping).map((child) => {
    const root = child.parentKey[child.parentKeyColumns.indexOf(rootColumn.get(child.parentTable)!)]!;
    rootColumn.set(child.table, root);
    const types = childSqlTypes(child);
    const columns = types.map((c) => c.column);
    const staging = ident(`_tm_stage_${child.table}`);
    const target = `${ident(schema)}.${ident(child.table)}`;
    const ofWinners = `DELETE FROM ${target} c USING ${parent.staging} s, ${parent.target} t WHERE ${won} AND c.${ident(root)} = s.${parent.key}`;
    const sameKey = child.key.map((k) => `cs.${ident(k)} = c.${ident(k)}`).join(' AND ');
    const values = types.filter((c) => !child.key.includes(c.column));
    const as = (alias: string) => values.map((c) => (EXACT_EQUALITY.has(c.sqlType) ? `${alias}.${ident(c.column)}` : `${alias}.${ident(c.column)}::text`));
    const sameValues = values.length === 0 ? '' : ` AND (${as('cs').join(', ')}) IS NOT DISTINCT FROM (${as('c').join(', ')})`;
    return {
      table: child.table,
      parentTable: child.parentTable,
      staging,
      dataColumns: columns,
      createStaging:
        `CREATE TEMP TABLE IF NOT EXISTS ${staging} (` +
        types.map((c) => `${ident(c.column)} ${c.sqlType}`).join(', ') +
        `, _tm_root uuid NOT NULL) ON COMMIT DELETE ROWS`,
      copy: `COPY ${staging} (${[...columns, '_tm_root'].map(ident).join(', ')}) FROM STDIN`,
      deleteAll: ofWinners,
      deleteStale: `${ofWinners} AND NOT EXISTS (SELECT 1 FROM ${staging} cs WHERE ${sameKey}${sameValues})`,
      // The target's primary key is the child's key (checked at start-up), so the arbiter
      // is exact: another unique index's violation still raises, it is never skipped.
      insertMissing:
        `INSERT INTO ${target} (${columns.map(ident).join(', ')}) ` +
        `SELECT ${columns.map((c) => `cs.${ident(c)}`).join(', ')} FROM ${staging} cs ` +
        `JOIN ${parent.staging} s ON s.${parent.key} = cs._tm_root JOIN ${parent.target} t ON ${won} ` +
        `ON CONFLICT (${child.key.map(ident).join(', ')}) DO NOTHING`,
    };
  });
}
