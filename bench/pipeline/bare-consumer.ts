import type { Kafka } from 'kafkajs';
import type { Measurement } from '../lib/probe.js';
import { signal, timingFirstBatch } from './first-batch.js';

/**
 * The consume ceiling: a kafkajs eachBatch consumer that only counts, in a fresh
 * group from the start of `topic`, read-committed as the sink reads; timed from its
 * first batch to the `n`th record.
 */
export async function bareConsume(kafka: Kafka, topic: string, groupId: string, n: number): Promise<Measurement> {
  const timed = timingFirstBatch(kafka);
  const consumer = timed.kafka.consumer({ groupId, readUncommitted: false });
  const done = signal<number>();
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= n) done.resolve(performance.now());
      },
    });
    const end = await done.promise;
    return { events: seen, seconds: (end - timed.firstBatchAt()!) / 1000 };
  } finally {
    await consumer.disconnect();
  }
}
