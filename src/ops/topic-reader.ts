import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { TidemarkError } from './errors.js';
import { retrying } from './retry.js';

/**
 * Reads every committed record of a topic, from the beginning to the end offsets
 * seen at the start, then stops. Batches made only of transaction markers or
 * aborted records still advance the position (kafkajs emits END_BATCH_PROCESS
 * for them), which is how the end is detected under read-committed isolation.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage, partition: number) => void,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    // Right after a topic is created its leader may not serve offsets yet (NOT_LEADER, retriable).
    const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
    ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return;

  const consumer = kafka.consumer({ groupId: `tidemark-reader-${randomUUID()}`, readUncommitted: false });
  const remaining = new Set(ends.keys());
  const reached = (partition: number, lastOffset: bigint) => {
    if (lastOffset + 1n >= (ends.get(partition) ?? 0n)) remaining.delete(partition);
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TidemarkError('TM_READ_TIMEOUT', `timed out reading topic '${topic}' to its end`, { retriable: true })),
        opts.timeoutMs ?? 60_000,
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.topic === topic) reached(payload.partition, BigInt(payload.lastOffset));
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        if (remaining.has(partition) && BigInt(message.offset) < (ends.get(partition) ?? 0n)) onMessage(message, partition);
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
}
