// The whole path on Amanat's data model: seeded workload (with the audit's hard
// cases) → MongoDB → source → Kafka → sink → PostgreSQL, every collection at once.
// Every accepted document is a row, every rejected one a dead letter with its
// reason, every orphan (dangling reference) parked then dead-lettered; nothing
// else. TIDEMARK_E2E_PURCHASE_REQUESTS sets the scale (≈ 12 documents each);
// `npm run test:scale` runs it at ≥ 100,000 documents.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createKafka, deadLetterTopicFor, producerConfig, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { startPipeline } from '../../src/cli/pipeline.js';
import { createApplier } from '../../src/sink/apply.js';
import { retryParked } from '../../src/sink/parked-retry.js';
import { canonicalKey, loadMappings, uuidFor, type Mapping } from '../../src/transform/index.js';
import { summarize, verify } from '../../src/verify/index.js';
import { generateWorkload, tally } from '../../src/workload/generate.js';
import type { GeneratedDoc } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';

const PURCHASE_REQUESTS = Number(process.env.TIDEMARK_E2E_PURCHASE_REQUESTS ?? 800);
const logger = createLogger({ level: process.env.E2E_LOG ?? 'error' });

let config: Config;
let pool: pg.Pool;
let mappings: Mapping[];

describe('Amanat workload end to end', () => {
  beforeAll(async () => {
    config = await isolatedConfig('e2e', (c) => ({
      connectors: { ...c.connectors, include: [] },
      // Orphans stay parked (reported) until the test dead-letters them explicitly below.
      sink: { ...c.sink, parkedRetryIntervalMs: 1000, onParkedExpired: 'report' },
    }));
    pool = await migratedPool(config);
    mappings = loadMappings(config.connectors.dir);
  });
  afterAll(() => dropTestSchema(config, pool));

  it('lands every accepted document, dead-letters every rejected and orphaned one, keeps every FK valid', async () => {
    const docs = generateWorkload({ seed: 20261128, purchaseRequests: PURCHASE_REQUESTS });
    const counts = tally(docs);
    const byCollection = new Map(mappings.map((m) => [m.collection, m]));
    expect([...counts.keys()].filter((c) => !byCollection.has(c))).toEqual([]); // every generated collection has a mapping
    for (const kind of ['accepted', 'rejected', 'orphan'] as const) {
      expect(docs.some((d) => d.expect === kind), kind).toBe(true);
    }

    const mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const started = Date.now();
    try {
      const db = mongo.db(config.mongo.database);
      for (const [collection] of counts) {
        const batch = docs.filter((d) => d.collection === collection).map((d) => d.doc);
        for (let i = 0; i < batch.length; i += 2000) await db.collection(collection).insertMany(batch.slice(i, i + 2000));
      }
    } finally {
      await mongo.close();
    }

    const pipeline = startPipeline(config, logger, mappings);
    const expectRows = new Map(mappings.map((m) => [m.table, counts.get(m.collection)?.accepted ?? 0]));
    const orphans = docs.filter((d) => d.expect === 'orphan').length;
    try {
      await eventually(
        'every accepted document applied and every orphan parked',
        async () => {
          if (pipeline.error) throw pipeline.error;
          for (const [table, n] of expectRows) {
            const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(table)}`);
            if (rows[0].n !== n) return undefined;
          }
          const parked = await pool.query('SELECT count(*)::int AS n FROM tidemark_parked');
          return parked.rows[0].n === orphans ? true : undefined;
        },
        Number(process.env.TIDEMARK_E2E_TIMEOUT_MS ?? 240_000),
      );
    } finally {
      await pipeline.stop();
    }
    const replicatedMs = Date.now() - started;

    // What an operator does with changes that will never find their parent: dead-letter them.
    const kafka = createKafka(config, logger, '-e2e');
    const producer = kafka.producer(producerConfig());
    await producer.connect();
    try {
      await retryParked(pool, await createApplier(pool, mappings, config.postgres.schema), producer, { retryIntervalMs: 0, maxAgeMs: 0, onExpired: 'dead-letter' }, logger);
    } finally {
      await producer.disconnect();
    }

    // Rows: exactly the accepted documents, by deterministic id.
    for (const m of mappings) {
      const expected = docs.filter((d) => d.collection === m.collection && d.expect === 'accepted').map((d) => uuidFor(m.collection, d.doc._id)).sort();
      const { rows } = await pool.query<{ id: string }>(`SELECT ${pg.escapeIdentifier(m.key.column)}::text AS id FROM ${pg.escapeIdentifier(m.table)} ORDER BY 1`);
      expect(rows.map((r) => r.id), m.table).toEqual(expected);
    }
    // Dead letters: exactly the rejected and orphaned documents, each once, with a reason.
    const refused = new Map<string, GeneratedDoc>(docs.filter((d) => d.expect !== 'accepted').map((d) => [`${d.collection}|${canonicalKey(d.doc._id)}`, d]));
    const lettered = new Map<string, string>();
    for (const collection of counts.keys()) {
      for (const r of await readTopic(kafka, deadLetterTopicFor(topicFor(config, collection)))) {
        const id = `${collection}|${r.key}`;
        expect(lettered.has(id), `${id} dead-lettered twice`).toBe(false);
        lettered.set(id, String(r.headers['tm.reason']));
      }
    }
    expect([...lettered.keys()].sort()).toEqual([...refused.keys()].sort());
    for (const [id, reason] of lettered) {
      expect(reason.length, id).toBeGreaterThan(10);
      if (refused.get(id)!.expect === 'orphan') expect(reason, id).toMatch(/^parked longer than 0 ms: waiting for parent/);
    }
    // Accounting: accepted + rejected + orphaned = generated.
    const total = [...counts.values()].reduce((n, c) => n + c.accepted + c.rejected + c.orphan, 0);
    expect(total).toBe(docs.length);

    // Constraints: every FK and CHECK present, validated, no trigger disabled.
    const { rows: constraints } = await pool.query(
      `SELECT count(*) FILTER (WHERE contype = 'f')::int AS fks, count(*) FILTER (WHERE NOT convalidated)::int AS unvalidated
       FROM pg_constraint WHERE connamespace = $1::regnamespace`,
      [config.postgres.schema],
    );
    expect(constraints[0].unvalidated).toBe(0);
    expect(constraints[0].fks).toBeGreaterThan(30);
    const { rows: disabled } = await pool.query(
      `SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = $1::regnamespace AND t.tgenabled = 'D'`,
      [config.postgres.schema],
    );
    expect(disabled).toEqual([]);

    // The verifier agrees, at this scale: every document equal through its mapping, every
    // rejection and expired orphan a dead letter of that very version, sums and FKs whole.
    const verifyStarted = Date.now();
    const report = await verify(config, logger, mappings, { settleTimeoutMs: 60_000 });
    const verifiedMs = Date.now() - verifyStarted;
    expect(report.status, summarize(report)).toBe('clean');
    expect(report.collections.reduce((n, c) => n + c.counts.rejected, 0)).toBe(refused.size);
    console.log(`[e2e] verified clean in ${(verifiedMs / 1000).toFixed(1)} s (${Math.round(docs.length / (verifiedMs / 1000))} documents/s)`);
    logger.warn({ documents: docs.length, replicatedMs, orphans, rejected: refused.size - orphans }, 'workload replicated');
    console.log(`[e2e] ${docs.length} documents in ${counts.size} collections replicated in ${(replicatedMs / 1000).toFixed(1)} s`);
  }, Number(process.env.TIDEMARK_E2E_TIMEOUT_MS ?? 240_000) + 120_000);
});
