// Issue #6's acceptance soak: a clean replica under a live workload of ≥ 200 changes/s
// verifies clean, run after run, for 5 minutes, with zero false differences; then,
// with the load still running, corruptions made behind tidemark's back are found with
// their exact keys and nothing else is reported. Too long for `npm test`:
// `npm run test:acceptance` (TIDEMARK_VERIFY_SOAK_MS and TIDEMARK_VERIFY_SOAK_RATE tune it).
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { uuidFor } from '../../src/transform/index.js';
import { summarize, verify, type Report } from '../../src/verify/index.js';
import { liveStateFrom, startLiveWorkload, type LiveRun, type LiveStats } from '../../src/workload/index.js';
import { dropTestSchema } from '../helpers/isolated.js';
import { workloadReplica, type Replica } from '../helpers/replica.js';

const SOAK_MS = Number(process.env.TIDEMARK_VERIFY_SOAK_MS ?? 300_000);
// Operations/s; each is 2-3 writes (a transition and its ledger entry or notification, a deal and its offers).
const RATE = Number(process.env.TIDEMARK_VERIFY_SOAK_RATE ?? 100);
const MIN_CHANGES_PER_S = 200;

const logger = createLogger({ level: process.env.VERIFY_TEST_LOG ?? 'error' });
let replica: Replica;
let mongo: MongoClient;
let passed = false;

const writesOf = (s: LiveStats) => s.writes.insertOne + s.writes.updateOne + s.writes.deleteOne;
const keysOf = (report: Report, collection: string) =>
  report.collections.find((c) => c.collection === collection)?.differences.items.map((d) => d.key) ?? [];

describe('tidemark verify under a live workload (acceptance soak)', () => {
  beforeAll(async () => {
    // ≈ 4,200 documents, 80 chats: the live mode's chat messages spread the way a marketplace's do.
    const concurrentPartitions = Number(process.env.TIDEMARK_VERIFY_SOAK_CONCURRENCY ?? 0);
    replica = await workloadReplica('verifysoak', logger, 400, (c) => (concurrentPartitions > 0 ? { sink: { ...c.sink, parkedRetryIntervalMs: 1000, concurrentPartitions } } : {}));
    mongo = createMongoClient(replica.config.mongo.url);
    await mongo.connect();
  }, 300_000);
  afterAll(async () => {
    await replica?.pipeline.stop();
    await mongo?.close();
    // TIDEMARK_KEEP_FAILED=1 keeps a failed run's schema and topics to look into.
    if (!passed && process.env.TIDEMARK_KEEP_FAILED) console.log(`[verify-soak] kept: schema ${replica?.config.postgres.schema}, database ${replica?.config.mongo.database}, topics ${replica?.config.kafka.topicPrefix}.*`);
    else await dropTestSchema(replica?.config, replica?.pool);
  });

  it(`verifies clean for ${SOAK_MS / 1000} s under ≥ ${MIN_CHANGES_PER_S} changes/s, then finds corruptions by key`, async () => {
    const stop = new AbortController();
    const live: LiveRun = startLiveWorkload(mongo.db(replica.config.mongo.database), liveStateFrom(replica.docs), { rate: RATE, seed: 7, signal: stop.signal });
    const runs: string[] = [];
    try {
      const began = performance.now();
      while (performance.now() - began < SOAK_MS) {
        if (replica.pipeline.error) throw replica.pipeline.error;
        const before = live.stats();
        const report = await verify(replica.config, logger, replica.mappings, { settleTimeoutMs: 60_000 });
        const after = live.stats();
        const seconds = (after.elapsedMs - before.elapsedMs) / 1000;
        const resolved = report.collections.reduce((n, c) => n + c.resolved, 0);
        runs.push(`run ${runs.length + 1}: ${report.status} in ${seconds.toFixed(1)} s, ${writesOf(after) - writesOf(before)} changes meanwhile (${((writesOf(after) - writesOf(before)) / seconds).toFixed(0)}/s), ${resolved} resolved after settling`);
        console.log(`[verify-soak] ${runs[runs.length - 1]}`);
        expect(report.status, `${runs.join('\n')}\n${summarize(report)}`).toBe('clean');
        expect(report.differences).toBe(0);
        expect(report.inFlight).toBe(0);
      }
      const soaked = live.stats();
      const rate = writesOf(soaked) / (soaked.elapsedMs / 1000);
      console.log(`[verify-soak] ${runs.length} clean runs in ${(soaked.elapsedMs / 1000).toFixed(0)} s; ${writesOf(soaked)} changes (${rate.toFixed(0)}/s: ${JSON.stringify(soaked.writes)}), ${soaked.rejectedUpdates.length} rejected by design`);
      expect(runs.length).toBeGreaterThanOrEqual(3);

      // Behind tidemark's back, in collections the live workload does not write: each is found by key.
      const { pool, docs } = replica;
      const first = (collection: string) => docs.find((d) => d.collection === collection && d.expect === 'accepted')!;
      const [points, review, user] = [first('pointTransactions'), first('reviews'), first('users')];
      await pool.query('UPDATE point_transactions SET points = points + 0.01 WHERE id = $1', [uuidFor('pointTransactions', points.doc._id)]);
      await pool.query('DELETE FROM reviews WHERE id = $1', [uuidFor('reviews', review.doc._id)]);
      await pool.query(`UPDATE users SET email = 'tampered@example.com' WHERE id = $1`, [uuidFor('users', user.doc._id)]);
      const report = await verify(replica.config, logger, replica.mappings, { settleTimeoutMs: 60_000 });
      expect(report.status, summarize(report)).toBe('differences');
      expect(report.inFlight).toBe(0);
      expect(keysOf(report, 'pointTransactions')).toEqual([uuidFor('pointTransactions', points.doc._id)]);
      expect(keysOf(report, 'reviews')).toEqual([uuidFor('reviews', review.doc._id)]);
      expect(keysOf(report, 'users')).toEqual([uuidFor('users', user.doc._id)]);
      const others = report.collections.filter((c) => !['pointTransactions', 'reviews', 'users'].includes(c.collection) && c.differences.total > 0);
      expect(others.map((c) => c.collection)).toEqual([]);
      // Last, so a slow load generator still shows what the verifier found.
      expect(rate).toBeGreaterThanOrEqual(MIN_CHANGES_PER_S);
      passed = true;
    } finally {
      stop.abort();
      await live.done;
    }
  }, SOAK_MS + 600_000);
});
