import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { evaluateGate, type GateResult } from '../lag/gate.js';
import { firstSampleMs, lagSeries, windowStats, type Spread } from '../lag/samples.js';
import type { LagSample } from '../lag/sampler.js';
import { latestVerification, type LatestVerification } from '../lag/verification.js';
import { deadLetterTopicFor } from '../ops/kafka.js';
import { retrying } from '../ops/retry.js';

/** The chart shows the last ten minutes of end-to-end lag, or as much as has been sampled. */
export const CHART_MS = 10 * 60_000;
const CHART_POINTS = 120;

/** One row of the status page. */
export interface CollectionView {
  collection: string;
  topic: string;
  phase: string | null;
  sourceLagMs: number | null;
  recordsBehind: number;
  applyLagMs: number | null;
  endToEndLagMs: number | null;
  /** End-to-end lag over the gate window. */
  window: Spread | null;
  parked: number;
  parkedExpired: number;
  /** Records on the dead-letter topic (end offsets; a crash between send and commit may repeat one). */
  rejected: number;
  /** [time ms, worst end-to-end lag ms in that bucket, null when unknown]. */
  series: Array<[number, number | null]>;
}

/** What /api/status returns and the page shows. */
export interface StatusView {
  generatedAt: string;
  sampledAt: string;
  sampleIntervalMs: number;
  maxLagMs: number;
  windowMs: number;
  /** How far back the chart reaches: CHART_MS, less while the samples are younger. */
  chartMs: number;
  collections: CollectionView[];
  verification: LatestVerification;
  gate: GateResult;
}

export interface ViewDeps {
  db: Pick<pg.Pool, 'query'>;
  admin: Admin;
  groupId: string;
  sampleIntervalMs: number;
  maxLagMs: number;
  windowMs: number;
  parkedMaxAgeMs: number;
  /** Gaps longer than this between samples count as unwatched (gate). */
  toleranceMs: number;
}

/** Builds the page's view after a sample: stage lags now, the window, the chart, parked/rejected, verification, gate. */
export async function buildStatusView(deps: ViewDeps, sample: LagSample, now: number): Promise<StatusView> {
  const { db, groupId } = deps;
  const collections = sample.lags.map((l) => l.collection);
  const chartFrom = Math.min(now - 10_000, Math.max(now - CHART_MS, (await firstSampleMs(db, groupId, now - CHART_MS)) ?? now));
  const [stats, series, verification, parked, rejected] = await Promise.all([
    windowStats(db, groupId, now - deps.windowMs, now, deps.maxLagMs),
    lagSeries(db, groupId, chartFrom, now, CHART_POINTS),
    latestVerification(db),
    parkedByTopic(db, deps.parkedMaxAgeMs),
    deadLettered(deps.admin, sample.lags.map((l) => l.topic)),
  ]);
  const gate = evaluateGate(collections, stats, verification, { now, windowMs: deps.windowMs, maxLagMs: deps.maxLagMs, toleranceMs: deps.toleranceMs });
  return {
    generatedAt: new Date(now).toISOString(),
    sampledAt: new Date(sample.atMs).toISOString(),
    sampleIntervalMs: deps.sampleIntervalMs,
    maxLagMs: deps.maxLagMs,
    windowMs: deps.windowMs,
    chartMs: now - chartFrom,
    collections: sample.lags.map((l) => ({
      collection: l.collection,
      topic: l.topic,
      phase: l.phase,
      sourceLagMs: l.sourceLagMs,
      recordsBehind: l.recordsBehind,
      applyLagMs: l.applyLagMs,
      endToEndLagMs: l.endToEndLagMs,
      window: stats.get(l.collection)?.endToEndLagMs ?? null,
      parked: parked.get(l.topic)?.count ?? 0,
      parkedExpired: parked.get(l.topic)?.expired ?? 0,
      rejected: rejected.get(l.topic) ?? 0,
      series: series.get(l.collection) ?? [],
    })),
    verification,
    gate,
  };
}

async function parkedByTopic(db: Pick<pg.Pool, 'query'>, maxAgeMs: number): Promise<Map<string, { count: number; expired: number }>> {
  const { rows } = await db.query<{ topic: string; count: number; expired: number }>(
    `SELECT source_topic AS topic, count(*)::int AS count,
       count(*) FILTER (WHERE parked_at < now() - make_interval(secs => $1::double precision / 1000))::int AS expired
     FROM tidemark_parked GROUP BY source_topic`,
    [maxAgeMs],
  );
  return new Map(rows.map((r) => [r.topic, { count: r.count, expired: r.expired }]));
}

/** Records ever written to each topic's dead-letter topic (its end offsets). */
async function deadLettered(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const counts = await Promise.all(
    topics.map(async (topic) => {
      const ends = await retrying(() => admin.fetchTopicOffsets(deadLetterTopicFor(topic)));
      return [topic, ends.reduce((n, p) => n + Number(p.high), 0)] as const;
    }),
  );
  return new Map(counts);
}
