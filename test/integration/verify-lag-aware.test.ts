// Lag-awareness against the real pipeline (DESIGN decision 10): under the live
// workload (status machines, duplicate webhooks, new deals, leaf and parent deletes,
// chat $push, updates the sink must reject) a correct replica verifies clean with
// zero false differences; with the sink stopped, changed documents are reported in
// flight (exit 2) with the lag, not as differences; once the sink runs again the
// same replica verifies clean.
import { Decimal128 } from 'bson';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { runSink } from '../../src/sink/index.js';
import { runSource } from '../../src/source/index.js';
import { uuidFor } from '../../src/transform/index.js';
import { summarize, verify } from '../../src/verify/index.js';
import { liveStateFrom, paymentDocument, Random, startLiveWorkload } from '../../src/workload/index.js';
import { dropTestSchema, eventually } from '../helpers/isolated.js';
import { workloadReplica, type Replica } from '../helpers/replica.js';

const logger = createLogger({ level: process.env.VERIFY_TEST_LOG ?? 'error' });
let replica: Replica;
let mongo: MongoClient;
const stops: Array<() => Promise<unknown>> = [];

describe('tidemark verify: lag-aware', () => {
  beforeAll(async () => {
    replica = await workloadReplica('verifylag', logger, 20);
    mongo = createMongoClient(replica.config.mongo.url);
    await mongo.connect();
  }, 300_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await replica?.pipeline.stop();
    await mongo?.close();
    await dropTestSchema(replica?.config, replica?.pool);
  });

  it('a correct replica under a live workload verifies clean, with zero false differences', async () => {
    // A rate this machine's pipeline sustains: a sink that falls ever further behind leaves
    // changes in flight, which is exit 2, rightly (measured: 50 ops/s ≈ 110 writes/s outruns it).
    const stop = new AbortController();
    const live = startLiveWorkload(mongo.db(replica.config.mongo.database), liveStateFrom(replica.docs), { rate: 10, seed: 5, signal: stop.signal });
    const report = await verify(replica.config, logger, replica.mappings, { settleTimeoutMs: 60_000 }).finally(() => stop.abort());
    const stats = await live.done;
    const resolved = report.collections.reduce((n, c) => n + c.resolved, 0);
    console.log(`[verify-live] ${stats.finished} live operations (${JSON.stringify(stats.writes)}, ${stats.rejectedUpdates.length} rejected updates); ${resolved} differences resolved once the sink passed them; ${Date.parse(report.finishedAt) - Date.parse(report.startedAt)} ms`);
    expect(stats.finished).toBeGreaterThan(20);
    expect(report.status, summarize(report)).toBe('clean');
    expect(report.exitCode).toBe(0);
    expect(report.differences).toBe(0);
    expect(report.inFlight).toBe(0);
  }, 180_000);

  it('a document changing faster than the sink\'s lag verifies clean: PostgreSQL holds a version the sink applied', async () => {
    // Every 40 ms a message is pushed to one chat: by the time the sink has passed an
    // observation, MongoDB holds a newer version, so the chat is never seen equal to it.
    const { config, mappings } = replica;
    const chats = mappings.filter((m) => m.collection === 'chats');
    const chat = replica.docs.find((d) => d.collection === 'chats' && d.expect === 'accepted')!.doc;
    const sender = (chat.participants as unknown[])[0];
    const collection = mongo.db(config.mongo.database).collection('chats');
    let pushes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const now = new Date();
        await collection.updateOne({ _id: chat._id as never }, { $push: { messages: { senderId: sender, content: `hot ${pushes}`, messageType: 'text', createdAt: now } } as never, $set: { updatedAt: now } });
        pushes += 1;
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await new Promise((r) => setTimeout(r, 2_000));
    const report = await verify(config, logger, chats, { settleTimeoutMs: 20_000 }).finally(async () => {
      writing = false;
      await writer;
    });
    const view = report.collections[0]!;
    console.log(`[verify-hot] ${pushes} pushes to one chat; ${view.resolved} resolved, ${view.counts.inFlight} in flight, status ${report.status}`);
    expect(report.status, summarize(report)).toBe('clean');
    expect(report.differences).toBe(0);
    expect(report.inFlight).toBe(0);
  }, 120_000);

  it('with the sink stopped, changes are in flight with the lag, not differences; after it resumes, clean', async () => {
    const { config, mappings } = replica;
    const payments = mappings.filter((m) => m.collection === 'payments');
    const db = mongo.db(config.mongo.database);
    const rng = new Random(11);
    const gone = paymentDocument(rng);
    await db.collection('payments').insertOne(gone);
    // The live workload's last changes and this payment applied: the pause starts from an equal replica.
    const settled = await verify(config, logger, payments, { settleTimeoutMs: 60_000 });
    expect(settled.status, summarize(settled)).toBe('clean');
    await replica.pipeline.stop();
    // Payments still parked (a live deal whose parent waits for the parked-change retry) differ
    // too, and with the sink stopped they cannot settle either: in flight, like the changes below.
    const { rows: parkedNow } = await replica.pool.query<{ id: string }>(`SELECT id::text FROM tidemark_parked WHERE target_table = 'payments'`);
    const sourceStop = new AbortController();
    const source = runSource(config, logger, mappings.map((m) => m.collection), sourceStop.signal);
    stops.push(async () => {
      sourceStop.abort();
      await source;
    });
    const updated = replica.docs.filter((d) => d.collection === 'payments' && d.expect === 'accepted').slice(0, 3).map((d) => d.doc._id);
    for (const id of updated) await db.collection('payments').updateOne({ _id: id as never }, { $set: { amount: Decimal128.fromString('4242.42'), updatedAt: new Date() } });
    const fresh = [paymentDocument(rng), paymentDocument(rng)];
    await db.collection('payments').insertMany(fresh);
    await db.collection('payments').deleteOne({ _id: gone._id });
    const changed = [...updated, ...fresh.map((d) => d._id), gone._id].map((id) => uuidFor('payments', id));
    const expectedInFlight = [...new Set([...changed, ...parkedNow.map((r) => r.id)])].sort();

    const kafka = createKafka(config, logger, '-test');
    const admin = kafka.admin();
    await admin.connect();
    const produced = async () => (await admin.fetchTopicOffsets(topicFor(config, 'payments'))).reduce((n, p) => n + Number(p.high), 0);
    const before = await produced();
    await eventually('the source produced the six changes', async () => ((await produced()) >= before + 6 ? true : undefined), 60_000).finally(() => admin.disconnect());

    const paused = await verify(config, logger, payments, { settleTimeoutMs: 3_000 });
    expect(paused.status, summarize(paused)).toBe('in-flight');
    expect(paused.exitCode).toBe(2);
    expect(paused.differences).toBe(0);
    const view = paused.collections[0]!;
    expect(view.inFlight.items.map((k) => k.key).sort()).toEqual(expectedInFlight);
    expect(view.lag.recordsBehind).toBeGreaterThanOrEqual(6);

    const sinkStop = new AbortController();
    const sink = runSink(config, logger, createKafka(config, logger, '-sink'), mappings, (c) => topicFor(config, c), sinkStop.signal);
    stops.push(async () => {
      sinkStop.abort();
      await sink;
    });
    const resumed = await verify(config, logger, mappings, { settleTimeoutMs: 60_000 });
    expect(resumed.status, summarize(resumed)).toBe('clean');
    expect(resumed.exitCode).toBe(0);
    const resolved = resumed.collections.find((c) => c.collection === 'payments')!;
    expect(resolved.counts.differences + resolved.counts.inFlight).toBe(0);
  }, 240_000);
});
