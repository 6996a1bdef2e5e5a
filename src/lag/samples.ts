import type pg from 'pg';
import type { StageLags } from './stages.js';

type Queryable = Pick<pg.Pool, 'query'>;

/** p50 / p99 / max of one stage over a window (ms, or records for Kafka); null without known values. */
export interface Spread {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** What the samples of one collection say about a window. */
export interface WindowStats {
  samples: number;
  firstMs: number;
  lastMs: number;
  /** Longest time between two consecutive samples inside the window. */
  maxGapMs: number;
  /** Samples whose end-to-end lag was unknown, and samples over the bound asked about. */
  unknown: number;
  overBound: number;
  /** When the worst end-to-end lag (unknown counts as worst) was sampled. */
  worstAtMs: number;
  sourceLagMs: Spread;
  kafkaRecords: Spread;
  applyLagMs: Spread;
  endToEndLagMs: Spread;
}

export async function insertSamples(db: Queryable, groupId: string, atMs: number, lags: StageLags[]): Promise<void> {
  if (lags.length === 0) return;
  // Two status processes may sample at the same millisecond: one row is enough.
  await db.query(
    `INSERT INTO tidemark_lag_samples (group_id, collection, sampled_at, source_lag_ms, kafka_records, apply_lag_ms, end_to_end_lag_ms)
     SELECT $1, s.collection, to_timestamp($2::double precision / 1000), s.source, s.kafka, s.apply, s.e2e
     FROM jsonb_to_recordset($3::jsonb) AS s(collection text, source bigint, kafka bigint, apply bigint, e2e bigint)
     ON CONFLICT DO NOTHING`,
    [
      groupId,
      atMs,
      JSON.stringify(
        lags.map((l) => ({
          collection: l.collection,
          source: round(l.sourceLagMs),
          kafka: l.recordsBehind,
          apply: round(l.applyLagMs),
          e2e: round(l.endToEndLagMs),
        })),
      ),
    ],
  );
}

export async function pruneSamples(db: Queryable, olderThanMs: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM tidemark_lag_samples WHERE sampled_at < to_timestamp($1::double precision / 1000)`, [olderThanMs]);
  return rowCount ?? 0;
}

const ms = (expr: string) => `(extract(epoch FROM ${expr}) * 1000)::double precision`;
const spread = (col: string) =>
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col}) AS ${col}_p50,
   percentile_cont(0.99) WITHIN GROUP (ORDER BY ${col}) AS ${col}_p99,
   max(${col})::double precision AS ${col}_max`;
const COLUMNS = ['source_lag_ms', 'kafka_records', 'apply_lag_ms', 'end_to_end_lag_ms'] as const;

/** Per collection, what its samples in [fromMs, toMs] say; collections without samples are absent. */
export async function windowStats(db: Queryable, groupId: string, fromMs: number, toMs: number, boundMs: number): Promise<Map<string, WindowStats>> {
  const { rows } = await db.query<Record<string, number | string | null>>(
    `WITH w AS (
       SELECT *, sampled_at - lag(sampled_at) OVER (PARTITION BY collection ORDER BY sampled_at) AS gap
       FROM tidemark_lag_samples
       WHERE group_id = $1 AND sampled_at BETWEEN to_timestamp($2::double precision / 1000) AND to_timestamp($3::double precision / 1000))
     SELECT collection, count(*)::int AS samples,
       ${ms('min(sampled_at)')} AS first_ms, ${ms('max(sampled_at)')} AS last_ms,
       coalesce(${ms('max(gap)')}, 0) AS max_gap_ms,
       count(*) FILTER (WHERE end_to_end_lag_ms IS NULL)::int AS unknown,
       count(*) FILTER (WHERE end_to_end_lag_ms > $4)::int AS over_bound,
       ${ms('(array_agg(sampled_at ORDER BY end_to_end_lag_ms DESC NULLS FIRST))[1]')} AS worst_at_ms,
       ${COLUMNS.map(spread).join(',\n')}
     FROM w GROUP BY collection`,
    [groupId, fromMs, toMs, boundMs],
  );
  const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
  const spreadOf = (r: Record<string, number | string | null>, col: string): Spread => ({
    p50: num(r[`${col}_p50`]),
    p99: num(r[`${col}_p99`]),
    max: num(r[`${col}_max`]),
  });
  return new Map(
    rows.map((r) => [
      String(r.collection),
      {
        samples: Number(r.samples),
        firstMs: Number(r.first_ms),
        lastMs: Number(r.last_ms),
        maxGapMs: Number(r.max_gap_ms),
        unknown: Number(r.unknown),
        overBound: Number(r.over_bound),
        worstAtMs: Number(r.worst_at_ms),
        sourceLagMs: spreadOf(r, 'source_lag_ms'),
        kafkaRecords: spreadOf(r, 'kafka_records'),
        applyLagMs: spreadOf(r, 'apply_lag_ms'),
        endToEndLagMs: spreadOf(r, 'end_to_end_lag_ms'),
      },
    ]),
  );
}

/** The oldest sample at or after `fromMs` (any collection), or null. */
export async function firstSampleMs(db: Queryable, groupId: string, fromMs: number): Promise<number | null> {
  const { rows } = await db.query<{ ms: number | null }>(
    `SELECT ${ms('min(sampled_at)')} AS ms FROM tidemark_lag_samples WHERE group_id = $1 AND sampled_at >= to_timestamp($2::double precision / 1000)`,
    [groupId, fromMs],
  );
  return rows[0]?.ms === null || rows[0]?.ms === undefined ? null : Number(rows[0].ms);
}

/** End-to-end lag over [fromMs, toMs] in at most `points` buckets (worst per bucket; null: unknown). */
export async function lagSeries(
  db: Queryable,
  groupId: string,
  fromMs: number,
  toMs: number,
  points: number,
): Promise<Map<string, Array<[number, number | null]>>> {
  const width = Math.max(1, (toMs - fromMs) / points);
  const { rows } = await db.query<{ collection: string; at_ms: number; e2e: string | null; unknown: boolean }>(
    `SELECT collection, ${ms('max(sampled_at)')} AS at_ms, max(end_to_end_lag_ms) AS e2e, bool_or(end_to_end_lag_ms IS NULL) AS unknown
     FROM tidemark_lag_samples
     WHERE group_id = $1 AND sampled_at BETWEEN to_timestamp($2::double precision / 1000) AND to_timestamp($3::double precision / 1000)
     GROUP BY collection, floor((${ms('sampled_at')} - $2) / $4)
     ORDER BY collection, at_ms`,
    [groupId, fromMs, toMs, width],
  );
  const out = new Map<string, Array<[number, number | null]>>();
  for (const r of rows) {
    const list = out.get(r.collection) ?? [];
    list.push([Math.round(Number(r.at_ms)), r.unknown || r.e2e === null ? null : Number(r.e2e)]);
    out.set(r.collection, list);
  }
  return out;
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}
