// The full demo's view of PostgreSQL: rows per table, Kafka and apply lag, parked changes.
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { measureLag } from '../lag/index.js';
import type { Config } from '../ops/config.js';
import { formatDuration } from '../ops/duration.js';
import { topicFor } from '../ops/kafka.js';
import type { Mapping } from '../transform/index.js';
import type { RunningPipeline } from './pipeline.js';

export class DemoWatch {
  constructor(
    private readonly pool: pg.Pool,
    private readonly kafka: Kafka,
    private readonly config: Config,
    private readonly mappings: readonly Mapping[],
  ) {}

  /** Rows per table, in one round trip. */
  async rows(tables: readonly string[]): Promise<Map<string, number>> {
    const sql = tables.map((t, i) => `SELECT ${i} AS i, count(*)::int AS n FROM ${pg.escapeIdentifier(t)}`).join(' UNION ALL ');
    const { rows } = await this.pool.query<{ i: number; n: number }>(sql);
    return new Map(rows.map((r) => [tables[r.i]!, r.n]));
  }

  /** Kafka records the sink has not applied yet (all topics) and the worst apply lag. */
  async lag(): Promise<{ recordsBehind: number; line: string }> {
    const lags = await measureLag(this.kafka, this.pool, this.config.sink.groupId, this.mappings.map((m) => ({ collection: m.collection, topic: topicFor(this.config, m.collection) })));
    const recordsBehind = lags.reduce((n, l) => n + l.recordsBehind, 0);
    const known = lags.map((l) => l.applyLagMs).filter((ms): ms is number => ms !== null);
    const apply = known.length === 0 ? 'unknown (nothing applied yet)' : formatDuration(Math.max(...known));
    return { recordsBehind, line: `${recordsBehind.toLocaleString('en-US')} Kafka records not yet applied, apply lag ${apply}` };
  }

  async parked(): Promise<Array<{ table: string; count: number }>> {
    const { rows } = await this.pool.query<{ table: string; count: number }>(
      'SELECT target_table AS table, count(*)::int AS count FROM tidemark_parked GROUP BY 1 ORDER BY 1',
    );
    return rows;
  }
}

/**
 * Polls `check` every second until it reports done, printing its line when it
 * changes (at most every `printEveryMs`) and at least every 10 s; fails if
 * replication stopped or the wait exceeds `timeoutMs`.
 */
export async function waitFor(
  what: string,
  pipeline: RunningPipeline,
  check: () => Promise<{ done: boolean; line: string }>,
  print: (line: string) => void,
  timeoutMs = 300_000,
  printEveryMs = 2000,
): Promise<number> {
  const started = Date.now();
  let printed = 0;
  let last = '';
  for (;;) {
    if (pipeline.error) throw new Error(`replication stopped while waiting for ${what}`, { cause: pipeline.error });
    const { done, line } = await check();
    const since = Date.now() - printed;
    if (done || (line !== last && since >= printEveryMs) || since >= 10_000) {
      print(`${what}: ${line}`);
      printed = Date.now();
      last = line;
    }
    if (done) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`demo timed out after ${formatDuration(timeoutMs)} waiting for ${what}: ${line}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
