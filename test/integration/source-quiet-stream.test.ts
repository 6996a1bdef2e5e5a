import { ObjectId } from 'bson';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { runSource, type CollectionSource } from '../../src/source/index.js';
import { canonicalKey } from '../../src/transform/index.js';
import { eventually, isolatedConfig } from '../helpers/isolated.js';

const PAIRS = 10;
const AWAIT_MS = 250; // the change stream's getMore wait (maxAwaitTimeMS)

// A change that arrives while the previous transaction commits, on an otherwise quiet
// stream, is read by a getMore that then waits for more events until maxAwaitTimeMS.
// It used to wait with it: the second of each pair below took ~260 ms.
describe('source: a quiet stream', () => {
  let config: Config;
  let mongo: MongoClient;
  const controller = new AbortController();
  let running: Promise<{ pipelines: CollectionSource[] }> | undefined;

  beforeAll(async () => {
    config = await isolatedConfig('quiet');
    mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
  });

  afterAll(async () => {
    controller.abort();
    await running?.catch(() => undefined);
    await mongo?.db(config.mongo.database).dropDatabase();
    await mongo?.close();
  });

  it('writes a change that arrives during a commit as soon as that commit is done, not after the getMore wait', async () => {
    const logger = createLogger({ level: config.log.level });
    const kafka = createKafka(config, logger, '-test');
    const coll = mongo.db(config.mongo.database).collection('payments');
    let pipelines: CollectionSource[] = [];
    running = runSource(config, logger, ['payments'], controller.signal, { observe: (p) => (pipelines = p) });
    await eventually('streaming', async () => (pipelines.length > 0 && pipelines.every((p) => p.status === 'streaming') ? true : undefined), 60_000);

    // When each record becomes readable by a read-committed consumer.
    const readableAt = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: `${config.sink.groupId}-quiet`, readUncommitted: false, maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicFor(config, 'payments')], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) if (m.key) readableAt.set(m.key.toString(), now);
      },
    });
    try {
      const warm = new ObjectId();
      await coll.insertOne({ _id: warm });
      await eventually('first record', async () => (readableAt.has(canonicalKey(warm)) ? true : undefined), 60_000);

      const first: number[] = [];
      const second: number[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const [a, b] = [new ObjectId(), new ObjectId()];
        const atA = performance.now();
        await coll.insertOne({ _id: a, pair: i });
        await new Promise((r) => setTimeout(r, 3)); // b arrives while a's transaction commits
        const atB = performance.now();
        await coll.insertOne({ _id: b, pair: i });
        await eventually('pair', async () => (readableAt.has(canonicalKey(a)) && readableAt.has(canonicalKey(b)) ? true : undefined), 30_000);
        first.push(readableAt.get(canonicalKey(a))! - atA);
        second.push(readableAt.get(canonicalKey(b))! - atB);
        await new Promise((r) => setTimeout(r, AWAIT_MS + 100)); // quiet again
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      // Generous for a busy CI machine (a commit and the 20 ms grace; ~29 ms here), well below the getMore wait.
      expect(median(second), `second of each pair, ms: ${second.map(Math.round).join(', ')}`).toBeLessThan(150);
      expect(median(first)).toBeLessThan(150);
    } finally {
      await consumer.disconnect();
    }
  }, 120_000);
});
