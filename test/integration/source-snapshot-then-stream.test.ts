import { BSON, Decimal128, Int32, type Document } from 'bson';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeType, type ChangeEnvelope } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { runSource, type CollectionSource } from '../../src/source/index.js';
import { canonicalKey } from '../../src/transform/index.js';
import { Random } from '../../src/workload/index.js';
import { mixedDocument, TYPE_PRESERVING } from '../helpers/bson-docs.js';
import { eventually, isolatedConfig } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';

const DOCS = 10_000;
const CHANGES = 1_000;

// Issue acceptance: snapshot of >= 10,000 mixed-type documents, then 1,000 mixed
// changes; a read-committed consumer sees exactly one record per change, in
// per-key order, and the documents are equal to MongoDB's, types included.
describe('source: consistent snapshot, then change streams', () => {
  let config: Config;
  let mongo: MongoClient;
  const controller = new AbortController();
  let running: Promise<{ pipelines: CollectionSource[] }>;
  const expectedOps = new Map<string, string[]>();

  beforeAll(async () => {
    config = await isolatedConfig('snapstream', (c) => ({ source: { ...c.source, snapshotChunkSize: 700 } }));
    mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const coll = mongo.db(config.mongo.database).collection('payments');
    const rng = new Random(7);
    const docs = Array.from({ length: DOCS }, (_, i) => mixedDocument(rng, i));
    for (let i = 0; i < docs.length; i += 1000) await coll.insertMany(docs.slice(i, i + 1000));
    for (const d of docs) expectedOps.set(canonicalKey(d._id), ['r']);
  }, 120_000);

  afterAll(async () => {
    controller.abort();
    await running?.catch(() => undefined);
    await mongo?.db(config.mongo.database).dropDatabase();
    await mongo?.close();
  });

  it('emits every document once as r, then every change once, in per-key order, losslessly', async () => {
    const logger = createLogger({ level: config.log.level });
    running = runSource(config, logger, ['payments'], controller.signal);
    const coll = mongo.db(config.mongo.database).collection('payments');
    const topic = topicFor(config, 'payments');
    const kafka = createKafka(config, logger, '-test');

    // Changes start once the snapshot is committed, so each one maps to exactly one record.
    await eventually('snapshot complete', async () => ((await readTopic(kafka, topic)).length >= DOCS ? true : undefined), 120_000);

    const rng = new Random(11);
    const ids = (await coll.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    for (let n = 0; n < CHANGES; n++) {
      const pick = rng.int(0, 9);
      if (pick < 3) {
        const doc = mixedDocument(rng, DOCS + n);
        await coll.insertOne(doc);
        ids.push(doc._id);
        expectedOps.set(canonicalKey(doc._id), ['c']);
        continue;
      }
      const id = ids[rng.int(0, ids.length - 1)];
      const key = canonicalKey(id);
      const ops = expectedOps.get(key)!;
      if (ops.at(-1) === 'd') {
        await coll.insertOne({ _id: id, reborn: new Int32(n) });
        ops.push('c');
      } else if (pick < 8) {
        await coll.updateOne({ _id: id }, { $set: { amount: Decimal128.fromString(`${n}.000000000000000001`), touched: new Int32(n) } });
        ops.push('u');
      } else if (pick < 9) {
        await coll.replaceOne({ _id: id }, { replaced: true, n: new Int32(n) });
        ops.push('u');
      } else {
        await coll.deleteOne({ _id: id });
        ops.push('d');
      }
    }

    const total = DOCS + CHANGES;
    const records = await eventually(
      'every change in the topic',
      async () => {
        const r = await readTopic(kafka, topic);
        return r.filter((m) => m.value !== null).length >= total ? r : undefined;
      },
      120_000,
    );
    const values = records.filter((m) => m.value !== null);
    expect(values).toHaveLength(total); // exactly once: nothing missing, nothing twice

    const seen = new Map<string, string[]>();
    const last = new Map<string, ChangeEnvelope>();
    for (const m of values) {
      const e = envelopeType.fromBuffer(m.value!.subarray(5)) as ChangeEnvelope;
      expect(e.key).toBe(m.key);
      seen.set(e.key, [...(seen.get(e.key) ?? []), e.op]);
      last.set(e.key, e);
    }
    expect(seen).toEqual(expectedOps); // per-key order

    // Every delete is followed by a tombstone for the same key.
    const tombstones = records.filter((m) => m.value === null).length;
    expect(tombstones).toBe([...expectedOps.values()].flat().filter((op) => op === 'd').length);

    // The last record of each key equals what MongoDB holds now, types included.
    const current = new Map<string, Document>();
    for (const d of await mongo.db(config.mongo.database).collection('payments', { ...TYPE_PRESERVING }).find({}).toArray()) {
      current.set(canonicalKey(d._id), d);
    }
    for (const [key, e] of last) {
      const now = current.get(key);
      if (e.op === 'd') {
        expect(now, key).toBeUndefined();
        continue;
      }
      expect(now, key).toBeDefined();
      expect(Buffer.from(BSON.serialize(BSON.deserialize(e.document!, TYPE_PRESERVING))).equals(Buffer.from(BSON.serialize(now!))), key).toBe(true);
    }
  }, 300_000);
});
