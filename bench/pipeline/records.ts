import { Timestamp, type Document } from 'bson';
import type { Kafka, Message } from 'kafkajs';
import { chunkBySize, producerConfig } from '../../src/ops/kafka.js';
import { envelopeFromEvent, envelopeMessages, type ChangeEvent } from '../../src/source/index.js';

/** Insert events shaped like the change stream's, one cluster time each (what the source reads). */
export function insertEvents(docs: Document[], db: string, collection: string, startSeconds = 1_800_000_000): ChangeEvent[] {
  return docs.map((doc, i) => {
    const clusterTime = new Timestamp({ t: startSeconds + Math.floor(i / 1000), i: (i % 1000) + 1 });
    return {
      _id: { _data: clusterTime.toString(16) },
      operationType: 'insert',
      clusterTime,
      wallTime: new Date(),
      documentKey: { _id: doc._id },
      fullDocument: doc,
      ns: { db, coll: collection },
    };
  });
}

/** The Kafka records the source would write for inserts of these documents. */
export function insertRecords(docs: Document[], where: { db: string; collection: string }, schemaId: number): Message[] {
  const envelopes = insertEvents(docs, where.db, where.collection).map((e) => envelopeFromEvent(e, 'c', where, 1, Date.now()));
  return envelopeMessages(envelopes, schemaId);
}

/**
 * Produces pre-encoded records the way the source commits them: transactions of
 * `perTransaction` records, each split into ~512 KB produce requests. Returns seconds taken.
 */
export async function produceTransactional(kafka: Kafka, transactionalId: string, topic: string, records: Message[], perTransaction = 500): Promise<number> {
  const producer = kafka.producer(producerConfig({ transactionalId }));
  await producer.connect();
  try {
    const started = performance.now();
    for (let i = 0; i < records.length; i += perTransaction) {
      const tx = await producer.transaction();
      try {
        for (const chunk of chunkBySize(records.slice(i, i + perTransaction))) await tx.send({ topic, messages: chunk });
        await tx.commit();
      } catch (err) {
        await tx.abort().catch(() => undefined);
        throw err;
      }
    }
    return (performance.now() - started) / 1000;
  } finally {
    await producer.disconnect();
  }
}
