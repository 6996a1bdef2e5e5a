// Children produced before their parents: every child topic (sellerOffers before
// purchaseRequests, fundsLedger before payments, ...) is written and consumed
// first, the parents afterwards. Everything ends applied with every FK valid;
// only the workload's orphans (dangling references) stay parked.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { runSink } from '../../src/sink/index.js';
import { loadMappings, uuidFor, type Mapping } from '../../src/transform/index.js';
import { generateWorkload } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import { EnvelopeFeed, changeEnvelope } from '../helpers/sink-feed.js';

const logger = createLogger({ level: process.env.TEST_LOG ?? 'error' });
/** Parents last: the order a sink would hate. */
const PARENTS_LAST = ['purchaseRequests', 'payments', 'requestTemplates', 'chats', 'disputes', 'telegramLinks', 'categories', 'users'];

let config: Config;
let pool: pg.Pool;
let mappings: Mapping[];

describe('children before parents', () => {
  beforeAll(async () => {
    config = await isolatedConfig('childfirst', (c) => ({ connectors: { ...c.connectors, include: [] } }));
    pool = await migratedPool(config);
    mappings = loadMappings(config.connectors.dir);
  });
  afterAll(() => dropTestSchema(config, pool));

  it('parks children whose parents have not arrived and applies them when the parents land', async () => {
    const docs = generateWorkload({ seed: 7, purchaseRequests: 60 });
    const collections = [...new Set(docs.map((d) => d.collection))];
    const order = [...collections.filter((c) => !PARENTS_LAST.includes(c)), ...PARENTS_LAST.filter((c) => collections.includes(c))];
    expect(order.indexOf('sellerOffers')).toBeLessThan(order.indexOf('purchaseRequests'));
    expect(order.indexOf('fundsLedger')).toBeLessThan(order.indexOf('payments'));

    const kafka = createKafka(config, logger, '-test');
    const controller = new AbortController();
    const sink = runSink(config, logger, createKafka(config, logger, '-sink'), mappings, (c) => topicFor(config, c), controller.signal);
    let failed: unknown;
    sink.catch((err) => (failed = err));
    const parkedNow = async () => (await pool.query('SELECT count(*)::int AS n FROM tidemark_parked')).rows[0].n as number;
    let mostParked = 0;
    try {
      let t = 1_760_000_000;
      for (const collection of order) {
        const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-${collection}`, collection);
        try {
          const envelopes = docs
            .filter((d) => d.collection === collection)
            .map((d, i) => changeEnvelope(config, 'c', d.doc._id, d.doc, { t: t, i: i + 1 }, collection));
          for (let i = 0; i < envelopes.length; i += 500) await feed.sendEnvelopes(envelopes.slice(i, i + 500));
        } finally {
          await feed.close();
        }
        t += 1;
        // Let the sink consume this collection before its parents exist.
        const applied = docs.filter((d) => d.collection === collection && d.expect === 'accepted').length;
        await eventually(`${collection} consumed`, async () => {
          if (failed) throw failed;
          const table = mappings.find((m) => m.collection === collection)!.table;
          const rows = (await pool.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(table)}`)).rows[0].n as number;
          const parked = (await pool.query('SELECT count(*)::int AS n FROM tidemark_parked WHERE target_table = $1', [table])).rows[0].n as number;
          const orphans = docs.filter((d) => d.collection === collection && d.expect === 'orphan').length;
          return rows + parked >= applied + orphans ? true : undefined;
        }, 60_000);
        mostParked = Math.max(mostParked, await parkedNow());
      }
      const orphans = docs.filter((d) => d.expect === 'orphan').length;
      await eventually('all parents arrived, only orphans parked', async () => {
        if (failed) throw failed;
        for (const m of mappings) {
          const expected = docs.filter((d) => d.collection === m.collection && d.expect === 'accepted').length;
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(m.table)}`);
          if (rows[0].n !== expected) return undefined;
        }
        return (await parkedNow()) === orphans ? true : undefined;
      }, 90_000);
    } finally {
      controller.abort();
    }
    const counters = await sink;
    // Children really waited: far more than the orphans were parked at some point.
    expect(mostParked).toBeGreaterThan(docs.filter((d) => d.expect === 'orphan').length + 100);
    expect(counters.parked).toBeGreaterThan(100);
    for (const m of mappings) {
      const expected = docs.filter((d) => d.collection === m.collection && d.expect === 'accepted').map((d) => uuidFor(m.collection, d.doc._id)).sort();
      const { rows } = await pool.query<{ id: string }>(`SELECT id::text FROM ${pg.escapeIdentifier(m.table)} ORDER BY 1`);
      expect(rows.map((r) => r.id), m.table).toEqual(expected);
    }
    // Constraints were never disabled or skipped: every one is validated.
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_constraint WHERE connamespace = $1::regnamespace AND NOT convalidated`,
      [config.postgres.schema],
    );
    expect(rows[0].n).toBe(0);
  }, 240_000);
});
