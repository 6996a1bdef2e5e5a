// Per top-level table, three temp tables filled chunk by chunk as documents are
// compared: `src` (the MongoDB side through the mapping), `dst` (the PostgreSQL rows
// of the same keys, read in the same snapshot) and `seen` (every key the scan met).
// Whole-table checks (money sums, balances, ledger) then run on two observations
// taken at the same moments, so a live workload does not make them disagree; a key
// re-checked after the sink caught up replaces its rows. Only the columns those checks
// need are kept, on disk in PostgreSQL, not in memory.

import pg from 'pg';
import type { ColumnSqlType } from '../transform/index.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

const ident = (name: string) => pg.escapeIdentifier(name);

export class Mirror {
  readonly src: string;
  readonly dst: string;
  readonly seen: string;

  constructor(
    readonly table: string,
    readonly key: string,
    readonly columns: readonly ColumnSqlType[],
  ) {
    this.src = `_tm_v_src_${table}`.slice(0, 63);
    this.dst = `_tm_v_dst_${table}`.slice(0, 63);
    this.seen = `_tm_v_seen_${table}`.slice(0, 63);
  }

  createSql(): string[] {
    const cols = this.columns.map((c) => `${ident(c.column)} ${c.sqlType}`).join(', ');
    return [
      `CREATE TEMP TABLE IF NOT EXISTS ${ident(this.src)} (${cols}, PRIMARY KEY (${ident(this.key)}))`,
      `CREATE TEMP TABLE IF NOT EXISTS ${ident(this.dst)} (${cols}, PRIMARY KEY (${ident(this.key)}))`,
      `CREATE TEMP TABLE IF NOT EXISTS ${ident(this.seen)} (id uuid PRIMARY KEY)`,
    ];
  }

  /** Replaces the observations of a chunk's root keys: `all` met by the scan, `targetKeys` read from the target. */
  async record(db: Queryable, stage: string, all: readonly string[], targetKeys: readonly string[]): Promise<void> {
    const list = this.columns.map((c) => ident(c.column)).join(', ');
    const fromTarget = this.columns.map((c) => `t.${ident(c.column)}::${c.sqlType}`).join(', ');
    const key = ident(this.key);
    await db.query(`DELETE FROM ${ident(this.src)} WHERE ${key} = ANY($1::uuid[])`, [all]);
    await db.query(`DELETE FROM ${ident(this.dst)} WHERE ${key} = ANY($1::uuid[])`, [all]);
    await db.query(`INSERT INTO ${ident(this.seen)} (id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [all]);
    await db.query(`INSERT INTO ${ident(this.src)} (${list}) SELECT ${list} FROM ${ident(stage)}`);
    await db.query(`INSERT INTO ${ident(this.dst)} (${list}) SELECT ${fromTarget} FROM ${ident(this.table)} t WHERE t.${key} = ANY($1::uuid[])`, [
      targetKeys,
    ]);
  }

  /**
   * Drops keys from both sides: a version settled as rejected (refused by PostgreSQL, or its
   * parking expired into the dead-letter topic) is accounted for by its dead letter, as a
   * version the mapping rejects is, so the whole-table checks leave it out on both sides.
   */
  async forget(db: Queryable, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const table of [this.src, this.dst]) await db.query(`DELETE FROM ${ident(table)} WHERE ${ident(this.key)} = ANY($1::uuid[])`, [keys]);
  }
}
