import { AvroDeserializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import { BSON, Decimal128, EJSON, Int32, ObjectId, type Document } from 'bson';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { runSource } from '../../src/source/index.js';
import { KEEP_TYPES, kcat, variedDocuments } from '../helpers/foreign-readers/index.js';
import { eventually, isolatedConfig } from '../helpers/isolated.js';

// Issue acceptance: the topics tidemark writes are readable by clients nobody
// here wrote. Confluent's own Avro deserializer (writer schema fetched from the
// registry by id) and kcat (librdkafka, read_committed) read one collection's
// topic; every decoded document must be, byte for byte, what MongoDB holds.

const COLLECTION = 'foreign';
const SEEDED = 50;
const BROKER = '127.0.0.1:9092';

interface Received {
  partition: number;
  message: KafkaMessage;
}

const canonical = (d: unknown) => EJSON.stringify(d, { relaxed: false });
const bsonBytes = (d: Document) => Buffer.from(BSON.serialize(d));
const keyOf = (id: unknown) => canonical(id);

describe('foreign readers of a collection topic', () => {
  let config: Config;
  let mongo: MongoClient;
  let topic: string;
  let admin: Admin;
  let consumer: Consumer;
  let registry: SchemaRegistryClient;
  const received: Received[] = [];
  const abort = new AbortController();
  let source: ReturnType<typeof runSource> | undefined;
  /** The documents as MongoDB held them before the source started (what the snapshot must carry). */
  const original = new Map<string, Document>();
  const updatedKeys: string[] = [];
  let deletedKey = '';

  beforeAll(async () => {
    // A missing kcat fails here, before anything else, and says how to install it.
    await kcat(['-V']);
    config = await isolatedConfig('foreign');
    topic = topicFor(config, COLLECTION);
    mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const coll = mongo.db(config.mongo.database).collection(COLLECTION);
    const seeded = variedDocuments(SEEDED);
    await coll.insertMany(seeded);
    for (const doc of await coll.find({}, KEEP_TYPES).toArray()) original.set(keyOf(doc._id), doc);
    // The server keeps every type as written, so comparing with what it holds is comparing with the seed.
    expect(seeded.map((d) => canonical(original.get(keyOf(d._id))))).toEqual(seeded.map(canonical));

    source = runSource(config, createLogger({ level: 'warn' }), [COLLECTION], abort.signal);
    source.catch(() => undefined); // awaited (and asserted) in the test

    const kafka = new Kafka({ clientId: 'foreign-reader', brokers: [BROKER], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await eventually('the collection topic', async () => ((await admin.listTopics()).includes(topic) ? true : undefined), 60_000);
    // Every partition led before subscribing: a consumer that joins while the topic's
    // metadata is incomplete can be assigned nothing until its next metadata refresh.
    await eventually('partition leaders', async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]!.partitions.length === config.kafka.partitions && meta.topics[0]!.partitions.every((p) => p.leader >= 0) ? true : undefined;
    }, 60_000);
    consumer = kafka.consumer({ groupId: `${config.sink.groupId}-foreign-${Date.now()}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, message });
      },
    });
    await eventually('all snapshot records', async () => (received.length >= SEEDED ? true : undefined), 90_000);

    // Changes after the snapshot: two $set updates, one replacement, one delete, each on its own document.
    const keys = [...original.keys()];
    const ids = keys.map((k) => original.get(k)!._id as ObjectId);
    await coll.updateOne({ _id: ids[3] }, { $set: { amount: Decimal128.fromString('0.000000000000000000000000000000001'), 'nested.level': new Int32(2) } });
    await coll.updateOne({ _id: ids[7] }, { $push: { tags: 'added' }, $unset: { nothing: '' } } as Document);
    await coll.replaceOne({ _id: ids[11] }, { replaced: true, at: new Date('2026-03-04T05:06:07.089Z'), amount: Decimal128.fromString('-1E-6176') });
    await coll.deleteOne({ _id: ids[20] });
    updatedKeys.push(keys[3]!, keys[7]!, keys[11]!);
    deletedKey = keys[20]!;

    // 50 snapshot reads + 3 updates + 1 delete + its tombstone.
    await eventually('all change records', async () => (received.length >= SEEDED + 5 ? true : undefined), 60_000);
    abort.abort();
    const { pipelines } = await source;
    expect(pipelines.map((p) => p.status)).toEqual(['stopped']);
    // Nothing else arrives after the source has stopped.
    await new Promise((r) => setTimeout(r, 1500));

    registry = new SchemaRegistryClient({ baseURLs: [config.schemaRegistry.url] });
  }, 240_000);

  afterAll(async () => {
    abort.abort();
    await source?.catch(() => undefined);
    await consumer?.disconnect();
    await admin?.disconnect();
    await registry?.close();
    await mongo?.db(config.mongo.database).dropDatabase();
    await mongo?.close();
  }, 60_000);

  it("Confluent's AvroDeserializer decodes every record, and each document is what MongoDB holds", async () => {
    expect(received).toHaveLength(SEEDED + 5);
    const coll = mongo.db(config.mongo.database).collection(COLLECTION);
    const current = new Map<string, Document>();
    for (const doc of await coll.find({}, KEEP_TYPES).toArray()) current.set(keyOf(doc._id), doc);
    expect(current.size).toBe(SEEDED - 1);
    expect(current.has(deletedKey)).toBe(false);

    // The writer schema id in every value is the one the registry holds for <topic>-value.
    const latest = await registry.getLatestSchemaMetadata(`${topic}-value`);
    const lookups: number[] = [];
    const getBySubjectAndId = registry.getBySubjectAndId.bind(registry);
    registry.getBySubjectAndId = async (subject, id, format) => {
      lookups.push(id);
      return getBySubjectAndId(subject, id, format);
    };
    const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});

    const ops: Record<string, number> = {};
    const byPartition = new Map<number, KafkaMessage[]>();
    for (const { partition, message } of received) byPartition.set(partition, [...(byPartition.get(partition) ?? []), message]);

    for (const [partition, messages] of byPartition) {
      messages.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const key = m.key?.toString('utf8') ?? '';
        const where = `partition ${partition} offset ${m.offset} key ${key}`;
        expect(original.has(key), `${where}: key is the canonical Extended JSON of a seeded _id`).toBe(true);
        if (m.value === null) {
          // A tombstone directly follows the delete of the same key.
          const prev = messages[i - 1];
          expect(key, `${where}: tombstone`).toBe(deletedKey);
          expect(prev?.key?.toString('utf8'), `${where}: tombstone follows its delete`).toBe(key);
          expect(prev?.headers?.['tm.op']?.toString(), `${where}: tombstone follows its delete`).toBe('d');
          ops.tombstone = (ops.tombstone ?? 0) + 1;
          continue;
        }
        expect(m.value.readUInt8(0), `${where}: magic byte`).toBe(0);
        expect(m.value.readUInt32BE(1), `${where}: schema id`).toBe(latest.id);
        const env = await deserializer.deserialize(topic, m.value);
        ops[env.op] = (ops[env.op] ?? 0) + 1;
        expect(env.key, `${where}: envelope key`).toBe(key);
        expect(m.headers?.['tm.op']?.toString(), `${where}: tm.op header`).toBe(env.op);
        expect(m.headers?.['tm.cluster_time']?.toString(), `${where}: tm.cluster_time header`).toBe(
          `${env.source.clusterTimeSeconds}.${env.source.clusterTimeIncrement}`,
        );
        expect(env.source).toMatchObject({ db: config.mongo.database, collection: COLLECTION, snapshot: env.op === 'r' });

        if (env.op === 'd') {
          expect(key).toBe(deletedKey);
          expect(env.document).toBeNull();
          continue;
        }
        expect(Buffer.isBuffer(env.document), `${where}: document is bytes`).toBe(true);
        const doc = BSON.deserialize(env.document as Buffer, KEEP_TYPES);
        // A snapshot read carries the document as seeded; an update carries it as it is now.
        const expected = env.op === 'r' ? original.get(key)! : current.get(key)!;
        if (env.op === 'u') expect(updatedKeys).toContain(key);
        expect(canonical(doc), `${where}: document (${env.op})`).toBe(canonical(expected));
        expect(bsonBytes(doc).equals(bsonBytes(expected)), `${where}: BSON bytes (${env.op})`).toBe(true);
        expect(Buffer.from(env.document as Buffer).equals(bsonBytes(expected)), `${where}: raw BSON bytes (${env.op})`).toBe(true);
      }
    }
    expect(ops).toEqual({ r: SEEDED, u: 3, d: 1, tombstone: 1 });
    // Keys the reader never touched still match MongoDB now; every updated one has moved on from the snapshot.
    for (const [key, doc] of current) {
      if (!updatedKeys.includes(key)) expect(canonical(doc)).toBe(canonical(original.get(key)));
      else expect(canonical(doc)).not.toBe(canonical(original.get(key)));
    }
    // The deserializer asked the registry for the writer schema by the id in the record.
    expect(new Set(lookups)).toEqual(new Set([latest.id]));
  }, 180_000);

  it('kcat lists the topic and reads its keys and headers (read_committed)', async () => {
    const metadata = await kcat(['-b', BROKER, '-L', '-t', topic]);
    expect(metadata).toContain(`topic "${topic}" with ${config.kafka.partitions} partitions`);
    const all = await kcat(['-b', BROKER, '-L']);
    expect(all).toContain(`topic "${topic}"`);

    const out = await kcat(['-b', BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%h\n', '-X', 'isolation.level=read_committed']);
    const lines = out.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(SEEDED + 5);
    const opCounts: Record<string, number> = {};
    for (const line of lines) {
      const [key, headers = ''] = line.split('\t');
      expect(original.has(key!), `kcat key ${key}`).toBe(true);
      expect(key).toBe(canonical(original.get(key!)!._id));
      if (headers === '') {
        // Only the tombstone has no headers.
        expect(key).toBe(deletedKey);
        opCounts.none = (opCounts.none ?? 0) + 1;
        continue;
      }
      expect(headers).toMatch(/^tm\.op=[rcud],tm\.cluster_time=\d+\.\d+$/);
      const op = /tm\.op=([rcud])/.exec(headers)![1]!;
      opCounts[op] = (opCounts[op] ?? 0) + 1;
    }
    expect(opCounts).toEqual({ r: SEEDED, u: 3, d: 1, none: 1 });
    // Within its partition the deleted key reads: snapshot read, delete, tombstone.
    const deletedOps = lines.filter((l) => l.startsWith(`${deletedKey}\t`)).map((l) => /tm\.op=(\w)/.exec(l)?.[1] ?? 'tombstone');
    expect(deletedOps).toEqual(['r', 'd', 'tombstone']);
  });
});
