import type pg from 'pg';
import type { Producer } from 'kafkajs';
import type { Logger } from '../ops/logger.js';
import { Applier, emptyOutcome } from './apply.js';
import { sendDeadLetters, type Rejection } from './dead-letter.js';
import type { SinkMetrics } from './metrics.js';
import { parkedSummary, takeExpired, takeForRetry, type ParkedSummary } from './parking.js';

export interface ParkedPolicy {
  /** A change re-parked less than this ago is not retried yet. */
  retryIntervalMs: number;
  maxAgeMs: number;
  onExpired: 'report' | 'dead-letter';
}

/** Parked changes retried per round; the rest wait for the next round. */
const ROUND = 1000;

/**
 * One retry round over the parking table: changes whose parent arrived in a
 * transaction that could not see them (two sinks, two partitions) or whose
 * references went away are applied; the rest go back with their original age.
 * Expired ones are reported, or dead-lettered when the policy says so.
 */
export async function retryParked(
  pool: pg.Pool,
  applier: Applier,
  deadLetters: Producer,
  policy: ParkedPolicy,
  log: Logger,
  metrics?: SinkMetrics,
): Promise<ParkedSummary[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const taken = await takeForRetry(client, applier.tables, ROUND, policy.retryIntervalMs);
    const outcome = emptyOutcome();
    for (const table of new Set(taken.map((t) => t.table))) {
      await applier.apply(client, table, taken.filter((t) => t.table === table).map((t) => t.change), outcome);
    }
    const refused: Rejection[] = outcome.rejected.map(({ change, reason }) => ({ origin: change.origin, reason }));
    if (policy.onExpired === 'dead-letter') {
      for (const e of await takeExpired(client, applier.tables, policy.maxAgeMs)) {
        refused.push({ origin: e.change.origin, reason: `parked longer than ${policy.maxAgeMs} ms: ${e.reason}` });
      }
    }
    await sendDeadLetters(deadLetters, refused);
    await client.query('COMMIT');
    if (taken.length > 0 || refused.length > 0) {
      log.info({ retried: taken.length, applied: outcome.upserted + outcome.deleted, deadLettered: refused.length }, 'parked changes retried');
    }
    for (const r of refused) metrics?.rejected.inc({ topic: r.origin.topic });
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const summary = await parkedSummary(pool, policy.maxAgeMs);
  metrics?.parkedNow(summary);
  const expired = summary.filter((s) => s.expired > 0);
  if (expired.length > 0) log.warn({ expired }, `changes parked longer than ${policy.maxAgeMs} ms (see tidemark_parked)`);
  return summary;
}
