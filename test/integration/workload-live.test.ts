// The live mode against the whole pipeline: a seeded Amanat database is mutated at
// up to 200 operations/s (status machines, duplicate webhooks at once, new deals parents
// first, leaf and parent-with-children deletes, chat $push, NULL-amount updates)
// while source and sink run. After the live mode stops, PostgreSQL must equal what
// the mappings make of MongoDB's documents now: the same ids per table, the same
// child rows, each payment's status and amount; a payment whose amount went NULL
// keeps its last valid row (never 0) and the rejected change is a dead letter.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createKafka, deadLetterTopicFor, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { startPipeline } from '../../src/cli/pipeline.js';
import { allChildMappings, canonicalKey, loadMappings, type Mapping } from '../../src/transform/index.js';
import {
  acceptedDocuments, generateWorkload, LIVE_KINDS, liveStateFrom, seedWorkload, startLiveWorkload, type AcceptedDocuments,
} from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';

const SEED = 20261205;
const KEY_COLLECTIONS = ['payments', 'purchaseRequests', 'sellerOffers', 'fundsLedger', 'notifications', 'tempVerifications', 'chats'];
const logger = createLogger({ level: process.env.E2E_LOG ?? 'error' });

let config: Config;
let pool: pg.Pool;
let mappings: Mapping[];

describe('live workload', () => {
  beforeAll(async () => {
    config = await isolatedConfig('live', (c) => ({
      connectors: { ...c.connectors, include: [] },
      sink: { ...c.sink, parkedRetryIntervalMs: 1000 },
    }));
    pool = await migratedPool(config);
    mappings = loadMappings(config.connectors.dir);
  });
  afterAll(() => dropTestSchema(config, pool));

  it('PostgreSQL converges to MongoDB after concurrent live changes of every kind', async () => {
    const docs = generateWorkload({ seed: SEED, purchaseRequests: 60 });
    const orphans = new Set(docs.filter((d) => d.expect === 'orphan').map((d) => `${d.collection}|${canonicalKey(d.doc._id)}`));
    const key = mappings.filter((m) => KEY_COLLECTIONS.includes(m.collection));
    expect(key.map((m) => m.collection).sort()).toEqual([...KEY_COLLECTIONS].sort());
    const mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const db = mongo.db(config.mongo.database);
    await seedWorkload(db, docs);
    const pipeline = startPipeline(config, logger, mappings);
    let nulled: Array<{ id: string; before: string }> = [];
    try {
      const seeded = await acceptedDocuments(db, key, orphans);
      await eventually('the snapshot applied', async () => {
        if (pipeline.error) throw pipeline.error;
        return (await differences(key, seeded, [])).length === 0 ? true : undefined;
      }, 120_000);

      // 200/s asked, for at least 4 s and until every kind has happened (at most 30 s): the local
      // Mongo server's change-stream emulation caps writes (≈ 120-190 operations/s measured on a
      // fresh server with the pipeline running, ≈ 30/s on one whose oplog holds a day of tests).
      const stop = new AbortController();
      const run = startLiveWorkload(db, liveStateFrom(docs), { rate: 200, durationMs: 30_000, seed: SEED, signal: stop.signal });
      await eventually('every kind of operation', async () => {
        const s = run.stats();
        return s.elapsedMs >= 4000 && LIVE_KINDS.every((k) => s.byKind[k] > 0) ? true : undefined;
      }, 35_000).catch(() => undefined); // the assertions below say what is missing
      stop.abort();
      const stats = await run.done;
      expect(LIVE_KINDS.filter((k) => stats.byKind[k] === 0)).toEqual([]);
      expect(stats.started).toBeGreaterThan(100);
      expect(stats.finished).toBe(stats.started);
      expect(stats.skipped).toBe(0);
      expect(stats.writes.deleteOne).toBeGreaterThan(0);
      nulled = stats.rejectedUpdates.map((r) => ({ id: canonicalKey(r.id), before: r.before }));
      expect(nulled.length).toBe(stats.byKind['null-amount']);

      const now = await acceptedDocuments(db, key, orphans);
      let last: string[] = [];
      await eventually('PostgreSQL equal to MongoDB', async () => {
        if (pipeline.error) throw pipeline.error;
        last = await differences(key, now, stats.rejectedUpdates.map((r) => r.id));
        return last.length === 0 ? true : undefined;
      }, 120_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${last.slice(0, 20).join('\n')}`);
      });
      // The rejected NULL: the row keeps its last valid amount, never 0 or NULL.
      for (const { id, before } of nulled) {
        const { rows } = await pool.query(`SELECT trim_scale(amount)::text AS amount FROM payments WHERE legacy_id = $1`, [JSON.parse(id).$oid]);
        expect(rows, id).toEqual([{ amount: before }]);
      }
    } finally {
      await pipeline.stop();
      await db.dropDatabase();
      await mongo.close();
    }
    // Each rejected NULL is a dead letter naming the amount (read again until all are there:
    // a reader started right after the sink stopped may see a partition's end early).
    const kafka = createKafka(config, logger, '-live');
    await eventually('a dead letter for every NULL amount', async () => {
      const letters = await readTopic(kafka, deadLetterTopicFor(topicFor(config, 'payments')));
      const missing = nulled.filter(({ id }) => !letters.some((l) => l.key === id && /column amount .*NULL/.test(l.headers['tm.reason'] ?? '')));
      return missing.length === 0 ? true : undefined;
    }, 60_000);
  }, 300_000);
});

/**
 * What differs between PostgreSQL and the expected rows of these mappings: ids per
 * table, child-row counts, payments' status and amount. `kept` are payments whose
 * last change was rejected: their earlier row stays.
 */
async function differences(key: Mapping[], expected: AcceptedDocuments, kept: Array<{ toHexString(): string }>): Promise<string[]> {
  const out: string[] = [];
  const keptHex = new Set(kept.map((k) => k.toHexString()));
  for (const m of key) {
    const want = expected.byCollection.get(m.collection)!;
    const { rows } = await pool.query<{ id: string; legacy_id: string }>(`SELECT id::text, legacy_id FROM ${pg.escapeIdentifier(m.table)}`);
    const have = new Map(rows.map((r) => [r.id, r.legacy_id]));
    const missing = [...want.keys()].filter((id) => !have.has(id));
    const extra = [...have].filter(([id, legacy]) => !want.has(id) && !(m.collection === 'payments' && keptHex.has(legacy)));
    if (missing.length > 0 || extra.length > 0) {
      out.push(`${m.table}: ${missing.length} missing, ${extra.length} not in MongoDB${await traces(m.table, extra.map(([id]) => id))}`);
    }
    for (const child of allChildMappings(m)) {
      const n = expected.tableRows.get(child.table) ?? 0;
      const { rows: c } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(child.table)}`);
      if (c[0]!.n !== n) out.push(`${child.table}: ${c[0]!.n} rows, expected ${n}`);
    }
  }
  const { rows: payments } = await pool.query<{ id: string; status: string; amount: string }>(
    'SELECT id::text, status::text, trim_scale(amount)::text AS amount FROM payments',
  );
  const want = expected.byCollection.get('payments')!;
  for (const p of payments) {
    const row = want.get(p.id)?.row;
    if (row && (row.status !== p.status || row.amount !== p.amount)) {
      out.push(`payments ${p.id}: PostgreSQL ${p.status} ${p.amount}, MongoDB ${row.status} ${row.amount}`);
    }
  }
  return out;
}

/** What the sink's bookkeeping says of rows that should be gone: a tombstone means their delete was applied. */
async function traces(table: string, ids: string[]): Promise<string> {
  if (ids.length === 0) return '';
  const { rows } = await pool.query<{ id: string; row_ts: string; tombstone_ts: string | null; parked: string | null }>(
    `SELECT t.id::text, t._tm_ts::text AS row_ts, tb._tm_ts::text AS tombstone_ts, pk.op || ' ' || pk.reason AS parked
     FROM ${pg.escapeIdentifier(table)} t
     LEFT JOIN tidemark_tombstones tb ON tb.target_table = $1 AND tb.id = t.id
     LEFT JOIN tidemark_parked pk ON pk.target_table = $1 AND pk.id = t.id
     WHERE t.id = ANY($2::uuid[]) LIMIT 5`,
    [table, ids],
  );
  return rows.map((r) => `\n  ${r.id}: version ${r.row_ts}, tombstone ${r.tombstone_ts ?? 'none'}, parked ${r.parked ?? 'no'}`).join('');
}
