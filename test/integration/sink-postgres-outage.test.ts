// PostgreSQL connections die under the sink (a failover, an admin's
// pg_terminate_backend, a restart): the batch is retried on a new connection, and
// nothing is lost or applied twice.
import { Decimal128, ObjectId } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Config } from '../../src/ops/config.js';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { runSink } from '../../src/sink/index.js';
import { loadMappings, uuidFor } from '../../src/transform/index.js';
import { dropTestSchema, eventually } from '../helpers/isolated.js';
import { EnvelopeFeed, changeEnvelope, openPaymentsSinkBed, sinkCaughtUp } from '../helpers/sink-feed.js';

const logger = createLogger({ level: 'error' });
let config: Config;
let pool: pg.Pool;
let kafka: Kafka;

describe('sink survives PostgreSQL connection loss', () => {
  beforeAll(async () => ({ config, pool, kafka } = await openPaymentsSinkBed('pgoutage', logger)));
  afterAll(() => dropTestSchema(config, pool));

  it('applies every record exactly once while its connections are terminated again and again', async () => {
    const topic = topicFor(config, 'payments');
    const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-feed`);
    const controller = new AbortController();
    const running = runSink(
      { ...config, sink: { ...config.sink, maxBatchRecords: 200 } },
      logger,
      createKafka(config, logger, '-sink'),
      loadMappings(config.connectors.dir, ['payments']),
      (c) => topicFor(config, c),
      controller.signal,
    );
    let failed: unknown;
    running.catch((err) => (failed = err));
    const expected = new Map<string, string>();
    let killed = 0;
    try {
      for (let round = 0; round < 8; round++) {
        const envelopes = Array.from({ length: 400 }, (_, i) => {
          const id = new ObjectId();
          const amount = `${round + 1}.${String(i).padStart(3, '0')}`;
          expected.set(uuidFor('payments', id), amount);
          const doc = { _id: id, amount: Decimal128.fromString(amount), currency: 'USDT', status: 'pending', provider: 'request_network',
            createdAt: new Date(), updatedAt: new Date() };
          return changeEnvelope(config, 'c', id, doc, { t: 1_760_000_000 + round, i: i + 1 });
        });
        await feed.sendEnvelopes(envelopes);
        await new Promise((r) => setTimeout(r, 150 + round * 40));
        const { rows } = await pool.query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`,
          [`tidemark-sink ${config.sink.groupId}`],
        );
        killed += rows[0].n;
      }
      await eventually('sink caught up', async () => {
        if (failed) throw failed;
        return (await sinkCaughtUp(kafka, pool, config, topic)) ? true : undefined;
      }, 90_000);
    } finally {
      controller.abort();
      await feed.close();
    }
    const counters = await running;
    expect(killed).toBeGreaterThanOrEqual(4); // the sink really lost connections
    const { rows } = await pool.query<{ id: string; amount: string }>(`SELECT id, trim(trailing '.' from trim(trailing '0' from amount::text)) AS amount FROM payments`);
    expect(rows.length).toBe(expected.size);
    for (const r of rows) expect(r.amount, r.id).toBe(expected.get(r.id)!.replace(/0+$/, '').replace(/\.$/, ''));
    // Each record was applied once: a retried batch is a new transaction, the failed one left nothing.
    expect(counters.upserted).toBe(expected.size);
    // The audit's CR-6: interrupted mid-batch again and again, id_map and data rows still
    // come and go together (one transaction) — no orphan id_map row, no row without one.
    const { rows: cr6 } = await pool.query(
      `SELECT (SELECT count(*) FROM id_map m WHERE m.collection = 'payments' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = m.new_id))::int AS orphan_map,
              (SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM id_map m WHERE m.new_id = p.id))::int AS unmapped`,
    );
    expect(cr6).toEqual([{ orphan_map: 0, unmapped: 0 }]);
  }, 150_000);
});
