import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Decimal128, type Document } from 'bson';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangeEnvelope } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { createKafka, deadLetterTopicFor, ensureCollectionTopics, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { uuidFor } from '../../src/transform/index.js';
import { Random, paymentDocument } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';
import { EnvelopeFeed, changeEnvelope, sinkCaughtUp, sinkConfigFile, spawnSink, stopChild, tmTs } from '../helpers/sink-feed.js';

const KEYS = 8_500;
const VERSIONS = 6; // 51,000 records
const T = 1_760_000_000;
const KILLS = 6;

// Issue acceptance (DESIGN decision 5): SIGKILL the sink at random moments while it
// applies, restart it each time; the target ends at every key's newest version, and
// a per-row trigger shows no version of any row was ever applied twice.
describe('sink survives SIGKILL with exactly-once effect', () => {
  let config: Config;
  let pool: pg.Pool;
  let child: ChildProcess | undefined;
  let unexpected: Error | undefined;

  afterAll(async () => {
    await stopChild(child);
    await dropTestSchema(config, pool);
  });

  it('ends at the newest version of every key, applying no version twice', async () => {
    config = await isolatedConfig('sinkkill', (c) => ({
      connectors: { ...c.connectors, include: ['payments'] },
      // A killed member holds its partitions until its session expires: keep that short here.
      sink: { ...c.sink, maxBatchRecords: 1000, sessionTimeoutMs: 6000 },
    }));
    pool = await migratedPool(config);
    const schema = `"${config.postgres.schema}"`;
    // Per-row apply counter: every row version the sink inserts or updates, in order.
    await pool.query(`
      CREATE TABLE ${schema}.apply_log (seq bigserial PRIMARY KEY, id uuid NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
      CREATE FUNCTION ${schema}.log_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO ${schema}.apply_log (id, _tm_ts, _tm_ord) VALUES (NEW.id, NEW._tm_ts, NEW._tm_ord); RETURN NULL; END $$;
      CREATE TRIGGER payments_apply_log AFTER INSERT OR UPDATE ON ${schema}.payments FOR EACH ROW EXECUTE FUNCTION ${schema}.log_apply();
    `);
    const logger = createLogger({ level: 'warn' });
    const kafka = createKafka(config, logger, '-test');
    await ensureCollectionTopics(kafka, config, ['payments']);
    const topic = topicFor(config, 'payments');
    const file = sinkConfigFile(config);
    const start = () => spawnSink(file, (err) => (unexpected ??= err));
    const check = () => {
      if (unexpected) throw unexpected;
    };

    // The workload: payments-shaped documents, each key updated through 6 versions;
    // some deleted and re-created, some deleted for good. Keys interleave.
    const rng = new Random(5150);
    const docs = Array.from({ length: KEYS }, () => paymentDocument(rng));
    const version = (k: number, v: number) => ({ t: T + v, i: k + 1, ord: 0 });
    const docAt = (k: number, v: number): Document => ({ ...docs[k]!, amount: Decimal128.fromString(`${k + 1}.${v}`), ver: `v${v}` });
    const fate = docs.map(() => (rng.chance(0.05) ? 'gone' : rng.chance(0.05) ? 'reborn' : 'live'));
    const envelopes: ChangeEnvelope[] = [];
    for (let v = 1; v <= VERSIONS; v++) {
      for (let k = 0; k < KEYS; k++) {
        const id = docs[k]!._id;
        if ((fate[k] === 'gone' && v === VERSIONS) || (fate[k] === 'reborn' && v === 3)) {
          envelopes.push(changeEnvelope(config, 'd', id, null, version(k, v)));
        } else {
          envelopes.push(changeEnvelope(config, v === 1 || (fate[k] === 'reborn' && v === 4) ? 'c' : 'u', id, docAt(k, v), version(k, v)));
        }
      }
    }
    expect(envelopes.length).toBeGreaterThanOrEqual(50_000);

    const progress = async () =>
      BigInt((await pool.query(`SELECT coalesce(sum(next_offset), 0)::text AS n FROM tidemark_sink_offsets WHERE group_id = $1`, [config.sink.groupId])).rows[0].n);

    // Produce in 1000-record transactions while the sink runs and gets killed, released
    // in step with the kills so every run of the sink finds a backlog to apply.
    const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-feed`);
    let producing = true;
    let kills = 0;
    const producer = (async () => {
      try {
        for (let i = 0; i < envelopes.length; i += 1000) {
          while (i / envelopes.length >= (kills + 1) / KILLS && kills < KILLS) await sleep(100);
          await feed.sendEnvelopes(envelopes.slice(i, i + 1000));
          await sleep(100);
        }
      } finally {
        producing = false;
        await feed.close();
      }
    })();

    // Kill at a random moment after the sink has applied something since its (re)start:
    // mid-batch, mid-commit or between batches.
    child = start();
    let killsWhileApplying = 0;
    while (kills < KILLS || producing) {
      const before = await progress();
      const applying = await eventually(
        'sink progress',
        async () => {
          check();
          return (await progress()) > before ? true : producing ? undefined : false;
        },
        45_000,
      ).catch(() => false);
      await sleep(rng.int(0, 1200));
      await stopChild(child, 'SIGKILL');
      kills++;
      if (applying) killsWhileApplying++;
      child = start();
    }
    await producer;

    await eventually(
      'sink caught up',
      async () => {
        check();
        return (await sinkCaughtUp(kafka, pool, config, topic)) ? true : undefined;
      },
      120_000,
    );
    await stopChild(child, 'SIGKILL');
    child = undefined;
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(killsWhileApplying).toBeGreaterThanOrEqual(3);

    // Every key at its newest version; deleted keys absent with a tombstone.
    const { rows } = await pool.query<{ id: string; amount: string; ts: string; ver: string }>(
      `SELECT id, amount::text AS amount, _tm_ts::text AS ts, extra->>'ver' AS ver FROM payments ORDER BY id`,
    );
    const expected = docs
      .map((d, k) => ({ k, d }))
      .filter(({ k }) => fate[k] !== 'gone')
      .map(({ k, d }) => ({ id: uuidFor('payments', d._id), amount: `${k + 1}.${String(VERSIONS).padEnd(18, '0')}`, ts: tmTs(version(k, VERSIONS)), ver: `v${VERSIONS}` }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(rows.length).toBe(expected.length);
    expect(rows).toEqual(expected);
    const tombs = await pool.query<{ id: string }>(`SELECT id FROM tidemark_tombstones WHERE target_table = 'payments' ORDER BY id`);
    expect(tombs.rows.map((r) => r.id)).toEqual(docs.filter((_, k) => fate[k] === 'gone').map((d) => uuidFor('payments', d._id)).sort());

    expect(await readTopic(kafka, deadLetterTopicFor(topic))).toEqual([]); // valid documents: nothing rejected

    // No row version applied twice, and never an older version after a newer one.
    const twice = await pool.query(`SELECT id, _tm_ts, _tm_ord, count(*) FROM apply_log GROUP BY 1, 2, 3 HAVING count(*) > 1 LIMIT 10`);
    expect(twice.rows).toEqual([]);
    const backwards = await pool.query(`
      SELECT id FROM (SELECT id, _tm_ts, _tm_ord, lag(_tm_ts) OVER w AS prev_ts, lag(_tm_ord) OVER w AS prev_ord
                      FROM apply_log WINDOW w AS (PARTITION BY id ORDER BY seq)) x
      WHERE (prev_ts, prev_ord) >= (_tm_ts, _tm_ord) LIMIT 10`);
    expect(backwards.rows).toEqual([]);
    const applied = await pool.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM apply_log`);
    expect(applied.rows[0].ids).toBe(KEYS);
    expect(applied.rows[0].n).toBeGreaterThanOrEqual(KEYS);
  }, 240_000);
});
