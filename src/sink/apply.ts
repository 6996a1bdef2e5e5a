import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Mapping } from '../transform/index.js';
import type { Change } from './changes.js';
import { copyChunks, copyField, copyLine } from './copy-text.js';
import { park, takeWaitingOn, type Parked } from './parking.js';
import { timed } from './phases.js';
import { loadReferenceGraph, referencedIds, type ForeignKey, type ReferenceGraph } from './references.js';
import { tableStatements, type TableStatements } from './sql.js';

export interface ApplyOutcome {
  upserted: number;
  deleted: number;
  parked: number;
  /** Changes PostgreSQL refused (CHECK, ledger immutability, ...): dead-lettered by the caller. */
  rejected: Array<{ change: Change; reason: string }>;
}

/** An Applier for these mappings, with the target schema's foreign keys. */
export async function createApplier(db: pg.Pool, mappings: readonly Mapping[], schema: string): Promise<Applier> {
  return new Applier(mappings, schema, await loadReferenceGraph(db, schema, mappings));
}

export const emptyOutcome = (): ApplyOutcome => ({ upserted: 0, deleted: 0, parked: 0, rejected: [] });

interface TablePlan {
  mapping: Mapping;
  sql: TableStatements;
}

/**
 * Applies de-duplicated changes to their tables inside the caller's transaction,
 * keeping every physical FK: a change whose parent is missing, or a delete of a
 * row still referenced, is parked; parked changes waiting for rows just written
 * are applied in the same transaction.
 */
export class Applier {
  private readonly plans = new Map<string, TablePlan>();
  private readonly hasDeferred: boolean;
  private savepoints = 0;

  /**
   * Deferred FKs (DEFERRABLE INITIALLY DEFERRED) are the edges of reference cycles
   * (purchase_requests ↔ seller_offers): through them a parked parent counts as
   * present, since it is woken and applied in the same transaction, and constraints
   * are checked before each savepoint is released.
   */
  constructor(mappings: readonly Mapping[], schema: string, private readonly graph: ReferenceGraph) {
    for (const m of mappings) this.plans.set(m.table, { mapping: m, sql: tableStatements(m, schema) });
    this.hasDeferred = [...graph.outgoing.values()].some((fks) => fks.some((fk) => fk.deferred));
  }

  /** The tables this applier writes (top-level; child tables travel with them). */
  get tables(): string[] {
    return [...this.plans.keys()];
  }

  /** The tables this applier writes whose rows (or child rows) may wait for rows of `table`. */
  private referencing(table: string): string[] {
    return [...this.graph.outgoing].filter(([, fks]) => fks.some((fk) => fk.parentTable === table)).map(([t]) => t);
  }

  async apply(client: PoolClient, table: string, changes: Change[], out: ApplyOutcome = emptyOutcome()): Promise<ApplyOutcome> {
    await this.applyTable(client, table, changes, out, true);
    return out;
  }

  /** `outermost`: changes woken inside another table's apply are checked with it. */
  private async applyTable(client: PoolClient, table: string, changes: Change[], out: ApplyOutcome, outermost: boolean): Promise<void> {
    const plan = this.plans.get(table);
    if (!plan) throw new Error(`no mapping writes table ${table}`);
    if (changes.length > 0) await this.applyIsolated(client, plan, changes, out, outermost);
  }

  /**
   * Set-based first; when PostgreSQL refuses one record (a constraint, bad data),
   * halves the set under savepoints until the culprits are single changes, which
   * are rejected (or parked, for a foreign key). Other errors propagate: the batch
   * is retried, never turned into rejections.
   */
  private async applyIsolated(client: PoolClient, plan: TablePlan, changes: Change[], out: ApplyOutcome, outermost: boolean): Promise<void> {
    const savepoint = `tm_apply_${++this.savepoints}`;
    // The same table can be written twice in one transaction (halving, parked rows), so
    // staging is emptied first: DELETE, since it is empty or small, costs a fraction of
    // TRUNCATE (a new file per call); ON COMMIT DELETE ROWS empties it at the end. One
    // round trip with the savepoint: a database on another host pays each one.
    const { sql } = plan;
    await timed(plan.mapping.table, 'staging', () => client.query(`SAVEPOINT ${savepoint};\n${sql.createStaging};\nDELETE FROM ${sql.staging}`));
    const attempt = emptyOutcome();
    try {
      await this.applySet(client, plan, changes, attempt);
      // Deferred FKs are checked here, where a violation can still be isolated; only at the
      // outermost level: inside it, the other member of a cycle may still be on its way.
      if (this.hasDeferred && outermost) await client.query('SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED');
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      merge(out, attempt);
    } catch (err) {
      if (!isRecordError(err)) throw err;
      await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      if (changes.length > 1) {
        const half = Math.ceil(changes.length / 2);
        await this.applyIsolated(client, plan, changes.slice(0, half), out, outermost);
        await this.applyIsolated(client, plan, changes.slice(half), out, outermost);
        return;
      }
      const change = changes[0]!;
      const reason = `${plan.mapping.table}: PostgreSQL refused ${change.key}: ${err.message}${err.detail ? ` (${err.detail})` : ''}`;
      // A parent deleted since the check, or a unique value another document still holds
      // until its own change (on another partition) lands: wait, like a missing parent.
      if (WAIT_FOR_OTHERS.has(err.code!)) out.parked += await park(client, keyOf(plan), [{ change, waitingOn: missingParentOf(err), reason }]);
      else out.rejected.push({ change, reason });
    }
  }

  private async applySet(client: PoolClient, plan: TablePlan, changes: Change[], out: ApplyOutcome): Promise<void> {
    const table = plan.mapping.table;
    const waiting = await timed(table, 'parking-check', async () => {
      const found = [
        ...(await this.missingParents(client, plan, changes.filter((c) => c.op === 'upsert'))),
        ...(await this.stillReferenced(client, plan, changes.filter((c) => c.op === 'delete'))),
      ];
      out.parked += await park(client, keyOf(plan), found);
      return found;
    });
    const parked = new Set(waiting.map((w) => w.change));
    const ready = parked.size === 0 ? changes : changes.filter((c) => !parked.has(c));
    if (ready.length === 0) return;
    const written = await writeChanges(client, table, plan.sql, ready);
    out.upserted += written.upserted;
    out.deleted += written.deleted;
    // Children that waited for these rows can go in now, in this transaction.
    const arrived = ready.filter((c) => c.op === 'upsert').map((c) => c.row[plan.mapping.key.column]!);
    const woken = await timed(table, 'wake', () => takeWaitingOn(client, this.referencing(table), arrived));
    for (const [wokenTable, group] of groupBy(woken, (u) => u.table)) {
      await this.applyTable(client, wokenTable, group.map((u) => u.change), out, false);
    }
  }

  /** Upserts referring to a parent that is neither in PostgreSQL nor among this batch's own rows. */
  private async missingParents(client: PoolClient, plan: TablePlan, upserts: Change[]): Promise<Parked[]> {
    const fks = this.graph.outgoing.get(plan.mapping.table) ?? [];
    if (fks.length === 0 || upserts.length === 0) return [];
    const wanted = new Map<ForeignKey['parentTable'], { key: string; ids: Set<string> }>();
    for (const c of upserts) {
      for (const [fk, id] of referencedIds(fks, c)) {
        const entry = wanted.get(fk.parentTable) ?? { key: fk.parentKey, ids: new Set<string>() };
        entry.ids.add(id);
        wanted.set(fk.parentTable, entry);
      }
    }
    const present = new Set<string>();
    const parkedParents = new Set<string>();
    // Every parent table in one round trip.
    const lookups = [...wanted].map(
      ([parentTable, { key }], i) =>
        `SELECT ${pg.escapeLiteral(parentTable)} AS parent, ${ident(key)}::text AS id FROM ${ident(parentTable)} WHERE ${ident(key)} = ANY($${i + 1}::uuid[])`,
    );
    if (lookups.length > 0) {
      const { rows } = await client.query<{ parent: string; id: string }>(lookups.join(' UNION ALL '), [...wanted.values()].map(({ ids }) => [...ids]));
      for (const r of rows) present.add(`${r.parent}\u0000${r.id}`);
    }
    for (const [parentTable, { ids }] of wanted) {
      if (fks.some((fk) => fk.parentTable === parentTable && fk.deferred)) {
        // Only a parked parent that waits for nothing but rows of this batch (or rows
        // already written) is sure to be woken and applied in this transaction.
        const parked = await client.query<{ id: string }>(
          `SELECT id::text FROM tidemark_parked pk WHERE target_table = $1 AND op = 'u' AND id = ANY($2::uuid[])
             AND NOT EXISTS (SELECT 1 FROM unnest(pk.waiting_on) w
                             WHERE w <> ALL($3::uuid[]) AND NOT EXISTS (SELECT 1 FROM id_map m WHERE m.new_id = w))`,
          [parentTable, [...ids], upserts.map((c) => c.row[plan.mapping.key.column]!)],
        );
        for (const r of parked.rows) parkedParents.add(`${parentTable}\u0000${r.id}`);
      }
    }
    const has = (fk: ForeignKey, id: string) =>
      present.has(`${fk.parentTable}\u0000${id}`) || (fk.deferred && parkedParents.has(`${fk.parentTable}\u0000${id}`));
    // A row may refer to another row of the same batch (users.referred_by_id): that one
    // counts as present unless it is itself missing a parent, so iterate to a fixed point.
    const own = new Map(upserts.map((c) => [c.row[plan.mapping.key.column]!, c]));
    const missing = new Map<Change, string[]>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const c of upserts) {
        if (missing.has(c)) continue;
        const absent = [...referencedIds(fks, c)]
          .filter(([fk, id]) => !has(fk, id))
          .filter(([fk, id]) => !(fk.parentTable === plan.mapping.table && own.has(id) && !missing.has(own.get(id)!)));
        if (absent.length > 0) {
          missing.set(c, absent.map(([fk, id]) => `${fk.table}.${fk.column} → ${fk.parentTable} ${id}`));
          changed = true;
        }
      }
    }
    return [...missing].map(([change, why]) => ({
      change,
      waitingOn: [...new Set(why.map((w) => w.slice(w.lastIndexOf(' ') + 1)))],
      reason: `waiting for parent: ${why.join(', ')}`,
    }));
  }

  /** Deletes of rows other rows still refer to: removing them now would break an FK. */
  private async stillReferenced(client: PoolClient, plan: TablePlan, deletes: Change[]): Promise<Parked[]> {
    const fks = this.graph.incoming.get(plan.mapping.table) ?? [];
    if (fks.length === 0 || deletes.length === 0) return [];
    const keys = deletes.map((c) => c.row[plan.mapping.key.column]!);
    const referencedBy = new Map<string, string[]>();
    for (const fk of fks) {
      const { rows } = await client.query<{ id: string }>(
        `SELECT DISTINCT ${ident(fk.column)}::text AS id FROM ${ident(fk.table)} WHERE ${ident(fk.column)} = ANY($1::uuid[])`,
        [keys],
      );
      for (const r of rows) referencedBy.set(r.id, [...(referencedBy.get(r.id) ?? []), `${fk.table}.${fk.column}`]);
    }
    return deletes
      .filter((c) => referencedBy.has(c.row[plan.mapping.key.column]!))
      .map((change) => ({
        change,
        waitingOn: [],
        reason: `delete waits: still referenced by ${referencedBy.get(change.row[plan.mapping.key.column]!)!.join(', ')}`,
      }));
  }
}

/** The COPY text lines of changes for a table's staging table: mapped columns, version, op, legacy id. */
export function* stagingLines(sql: TableStatements, changes: readonly Change[]): Generator<string> {
  const columns = sql.dataColumns;
  for (const c of changes) {
    // Built as one string, no per-row arrays. Deletes carry only the key column; the
    // others stay NULL in staging. Version and op are digits and letters: no escaping.
    let line = '';
    for (const col of columns) line += copyField(c.row[col] ?? null) + '\t';
    yield `${line}${c.ts}\t${c.ord}\t${c.op === 'delete' ? 'd' : 'u'}\t${copyField(c.legacyId)}\n`;
  }
}

/**
 * COPY into the staging table (emptied with the savepoint), then set-based delete,
 * tombstone, upsert and id_map statements. No per-row round trips.
 */
async function writeChanges(client: PoolClient, table: string, sql: TableStatements, changes: Change[]): Promise<{ upserted: number; deleted: number }> {
  await timed(table, 'copy', () => pipeline(Readable.from(copyChunks(stagingLines(sql, changes))), client.query(copyFrom(sql.copy))));
  // One round trip: parked rows locked, delete, tombstones, upsert, tombstone clean-up,
  // id_map and the parked versions the batch supersedes (sql.merge).
  const [, deleted, , upserted] = await timed(table, 'merge', async () => (await client.query(sql.merge)) as unknown as pg.QueryResult[]);
  await timed(table, 'children', () => applyChildren(client, sql, changes));
  // Rows actually changed: stale or replayed versions are no-ops and not counted.
  return { upserted: upserted?.rowCount ?? 0, deleted: deleted?.rowCount ?? 0 };
}

/**
 * Child rows of the parents whose upsert won, applied by difference (sql.ts, ChildStatements).
 * Round trips are what a batch of a many-child table (purchase requests: 8 child tables)
 * costs, so only child tables with rows are staged, and the preparation and the apply
 * each go as one multi-statement query (plain SQL, no parameters).
 */
async function applyChildren(client: PoolClient, sql: TableStatements, changes: Change[]): Promise<void> {
  if (sql.children.length === 0) return;
  const root = sql.dataColumns[0]!; // the key column comes first
  const filled = new Set(sql.children.filter((_, i) => changes.some((c) => (c.children[i]?.rows.length ?? 0) > 0)));
  if (filled.size > 0) await client.query([...filled].flatMap((child) => [child.createStaging, `DELETE FROM ${child.staging}`]).join(';\n'));
  for (const [i, child] of sql.children.entries()) {
    if (!filled.has(child)) continue;
    const lines = function* () {
      for (const c of changes) {
        for (const row of c.children[i]?.rows ?? []) yield copyLine([...child.dataColumns.map((col) => row[col] ?? null), c.row[root]!]);
      }
    };
    await pipeline(Readable.from(copyChunks(lines())), client.query(copyFrom(child.copy)));
  }
  // Deletes first, parents' tables before their children's, then inserts in the same order.
  // A table with no rows staged loses all its winners' rows, unless its parent table lost
  // them all too (ON DELETE CASCADE did it).
  const emptied = new Set<string>();
  const deletes = sql.children.flatMap((child) => {
    if (filled.has(child)) return [child.deleteStale];
    emptied.add(child.table);
    return emptied.has(child.parentTable) ? [] : [child.deleteAll];
  });
  await client.query([...deletes, ...[...filled].map((child) => child.insertMissing)].join(';\n'));
}

/**
 * The parent key an insert or update lacked, from the FK error's detail, so that the parent's
 * arrival wakes the change like any other missing parent. It matters for reference cycles
 * checked at commit (a member whose wake-up was missed, e.g. its row held by a concurrent
 * retry): waiting for nothing, two members retried together could never be applied together.
 */
function missingParentOf(err: pg.DatabaseError): string[] {
  const key = err.code === '23503' ? /=\(([0-9a-f-]{36})\) is not present in table/.exec(err.detail ?? '') : null;
  return key ? [key[1]!] : [];
}

/** foreign_key_violation, unique_violation: states another row's change can end. */
const WAIT_FOR_OTHERS = new Set(['23503', '23505']);

/** Errors about one record's content (class 22 data exception, class 23 integrity constraint). */
function isRecordError(err: unknown): err is pg.DatabaseError {
  return err instanceof pg.DatabaseError && typeof err.code === 'string' && (err.code.startsWith('22') || err.code.startsWith('23'));
}

const ident = (name: string) => pg.escapeIdentifier(name);

function keyOf(plan: TablePlan): { name: string; key: string } {
  return { name: plan.mapping.table, key: plan.mapping.key.column };
}

function merge(into: ApplyOutcome, from: ApplyOutcome): void {
  into.upserted += from.upserted;
  into.deleted += from.deleted;
  into.parked += from.parked;
  into.rejected.push(...from.rejected);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}
