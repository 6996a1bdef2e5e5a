import pg from 'pg';
import type { PoolClient } from 'pg';
import type { Change } from './changes.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/** A change that cannot be applied yet, and why. */
export interface Parked {
  change: Change;
  /** Parent ids whose arrival may unblock it; empty when only the periodic retry can. */
  waitingOn: string[];
  reason: string;
}

/** A parked change read back, with the table it belongs to. */
export interface Unparked {
  table: string;
  change: Change;
  reason: string;
}

/**
 * Parks changes in `tidemark_parked`, newest version per row. A change the target
 * already holds an equal or newer version of (or a newer tombstone) is not parked:
 * it could never be applied, and replaying a batch must not park it again.
 */
export async function park(
  client: PoolClient,
  table: { name: string; key: string },
  entries: readonly Parked[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const records = entries.map(({ change: c, waitingOn, reason }) => ({
    id: c.row[table.key],
    op: c.op === 'delete' ? 'd' : 'u',
    ts: c.ts.toString(),
    ord: c.ord,
    change: serialize(c),
    waiting_on: `{${waitingOn.join(',')}}`,
    reason,
    topic: c.origin.topic,
    partition: c.origin.partition,
    offset: c.origin.offset,
    key: c.origin.key?.toString('hex') ?? null,
    value: c.origin.value?.toString('hex') ?? null,
    parked_at: c.parkedAt ?? null,
  }));
  const target = ident(table.name);
  const key = ident(table.key);
  const result = await client.query(
    `INSERT INTO tidemark_parked AS pk (target_table, id, op, _tm_ts, _tm_ord, change, waiting_on, reason,
       source_topic, source_partition, source_offset, record_key, record_value, parked_at)
     SELECT $1, p.id, p.op, p.ts, p.ord, p.change, p.waiting_on::uuid[], p.reason, p.topic, p.partition, p."offset",
       decode(p.key, 'hex'), decode(p.value, 'hex'), coalesce(p.parked_at, now())
     FROM jsonb_to_recordset($2::jsonb) AS p(id uuid, op "char", ts bigint, ord integer, change jsonb, waiting_on text,
       reason text, topic text, partition integer, "offset" bigint, key text, value text, parked_at timestamptz)
     WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE t.${key} = p.id AND (t._tm_ts, t._tm_ord) >= (p.ts, p.ord))
       AND NOT EXISTS (SELECT 1 FROM tidemark_tombstones tb WHERE tb.target_table = $1 AND tb.id = p.id
                       AND (tb._tm_ts, tb._tm_ord) >= (p.ts, p.ord))
     ORDER BY p.id
     ON CONFLICT (target_table, id) DO UPDATE SET op = EXCLUDED.op, _tm_ts = EXCLUDED._tm_ts, _tm_ord = EXCLUDED._tm_ord,
       change = EXCLUDED.change, waiting_on = EXCLUDED.waiting_on, reason = EXCLUDED.reason,
       source_topic = EXCLUDED.source_topic, source_partition = EXCLUDED.source_partition,
       source_offset = EXCLUDED.source_offset, record_key = EXCLUDED.record_key, record_value = EXCLUDED.record_value,
       retried_at = now()
     WHERE (pk._tm_ts, pk._tm_ord) <= (EXCLUDED._tm_ts, EXCLUDED._tm_ord)`,
    [table.name, JSON.stringify(records)],
  );
  return result.rowCount ?? 0;
}

/**
 * Every parent the change waits for has been written (id_map gets its row in the
 * parent's own transaction, and ids are unique across tables) or is itself parked:
 * members of a reference cycle wait for each other and are applied together. A change
 * still missing another parent stays parked untouched until that one arrives too.
 */
const ALL_PARENTS_WRITTEN = `NOT EXISTS (SELECT 1 FROM unnest(pk.waiting_on) w
  WHERE NOT EXISTS (SELECT 1 FROM id_map m WHERE m.new_id = w)
    AND NOT EXISTS (SELECT 1 FROM tidemark_parked other WHERE other.id = w AND other.op = 'u'))`;

const RETURNING = `RETURNING target_table, change, reason, source_topic, source_partition, source_offset::text,
  record_key, record_value, parked_at::text`;

/**
 * Takes out the parked changes of `tables` (those this sink writes; another
 * deployment's sink applies its own) waiting for any of these just-written parent
 * ids, once all they wait for is written.
 */
export async function takeWaitingOn(client: PoolClient, tables: readonly string[], ids: readonly string[]): Promise<Unparked[]> {
  if (ids.length === 0 || tables.length === 0) return [];
  const { rows } = await client.query<ParkedRow>(
    // Rows are locked in key order, as park() writes them: two transactions waking and
    // parking overlapping rows then wait for each other instead of deadlocking.
    `DELETE FROM tidemark_parked WHERE (target_table, id) IN (
       SELECT target_table, id FROM tidemark_parked pk WHERE waiting_on && $1::uuid[] AND target_table = ANY($2)
         AND ${ALL_PARENTS_WRITTEN}
       ORDER BY target_table, id FOR UPDATE) ${RETURNING}`,
    [ids, tables],
  );
  return rows.map(unparked);
}

/**
 * A change that keeps failing is retried after as long again as it had been parked at its
 * last try (doubling), at most this long apart: a delete blocked by rows that stay (a request
 * its payments still reference) costs a round less and less often, and rounds stay short,
 * so they hold parked rows the consumer's own transactions wait for only briefly.
 */
const RETRY_BACKOFF_CAP_MS = 60_000;

/**
 * Takes out parked changes worth another try, longest-untried first (rows other sinks
 * hold are skipped): those waiting for nothing in particular (a blocked delete, a
 * conflict), and those whose every awaited parent is now written, which a wake-up
 * missed (the parent committed while the child was being parked). Changes still
 * waiting for a parent stay untouched: its arrival wakes them. Backs off per change
 * (RETRY_BACKOFF_CAP_MS).
 */
export async function takeForRetry(client: PoolClient, tables: readonly string[], limit: number, notSinceMs: number): Promise<Unparked[]> {
  const { rows } = await client.query<ParkedRow>(
    `DELETE FROM tidemark_parked WHERE (target_table, id) IN (
       SELECT target_table, id FROM tidemark_parked pk
       WHERE target_table = ANY($3) AND retried_at < now() - $2 * interval '1 millisecond'
         AND retried_at < now() - least(retried_at - parked_at, $4 * interval '1 millisecond')
         AND ${ALL_PARENTS_WRITTEN}
       ORDER BY retried_at LIMIT $1 FOR UPDATE SKIP LOCKED) ${RETURNING}`,
    [limit, notSinceMs, tables, RETRY_BACKOFF_CAP_MS],
  );
  return rows.map(unparked);
}

/** Takes out parked changes older than `maxAgeMs` (to dead-letter them). */
export async function takeExpired(client: PoolClient, tables: readonly string[], maxAgeMs: number): Promise<Unparked[]> {
  const { rows } = await client.query<ParkedRow>(
    `DELETE FROM tidemark_parked WHERE (target_table, id) IN (
       SELECT target_table, id FROM tidemark_parked WHERE target_table = ANY($2) AND parked_at < now() - $1 * interval '1 millisecond'
       FOR UPDATE SKIP LOCKED) ${RETURNING}`,
    [maxAgeMs, tables],
  );
  return rows.map(unparked);
}

export interface ParkedSummary {
  table: string;
  count: number;
  expired: number;
  oldestSeconds: number;
}

export async function parkedSummary(client: pg.Pool | PoolClient, maxAgeMs: number): Promise<ParkedSummary[]> {
  const { rows } = await client.query<{ table: string; count: string; expired: string; oldest: string }>(
    `SELECT target_table AS table, count(*) AS count,
       count(*) FILTER (WHERE parked_at < now() - $1 * interval '1 millisecond') AS expired,
       extract(epoch FROM now() - min(parked_at)) AS oldest
     FROM tidemark_parked GROUP BY target_table ORDER BY target_table`,
    [maxAgeMs],
  );
  return rows.map((r) => ({ table: r.table, count: Number(r.count), expired: Number(r.expired), oldestSeconds: Number(r.oldest) }));
}

interface ParkedRow {
  target_table: string;
  change: SerializedChange;
  reason: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  record_key: Buffer | null;
  record_value: Buffer | null;
  parked_at: string;
}

type SerializedChange = Pick<Change, 'key' | 'legacyId' | 'op' | 'row' | 'children' | 'ord'> & { ts: string };

function serialize(c: Change): SerializedChange {
  return { key: c.key, legacyId: c.legacyId, op: c.op, row: c.row, children: c.children, ts: c.ts.toString(), ord: c.ord };
}

function unparked(r: ParkedRow): Unparked {
  const origin = {
    topic: r.source_topic,
    partition: r.source_partition,
    offset: r.source_offset,
    key: r.record_key,
    value: r.record_value,
  };
  return { table: r.target_table, reason: r.reason, change: { ...r.change, ts: BigInt(r.change.ts), origin, parkedAt: r.parked_at } };
}
