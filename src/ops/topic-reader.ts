import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { TidemarkError } from './errors.js';
import { retrying } from './retry.js';

type OnMessage = (message: KafkaMessage, partition: number) => void;

/** Reads every committed record of a topic, from the beginning to the end offsets seen at the start, then stops. */
export async function readTopicToEnd(kafka: Kafka, topic: string, onMessage: OnMessage, opts: { timeoutMs?: number } = {}): Promise<void> {
  await readTopicRange(kafka, topic, new Map(), onMessage, opts);
}

/**
 * Reads the committed records of a topic, per partition from its offset in `from` (its
 * beginning when not named there) to the end offset seen at the start, then stops.
 * Batches made only of transaction markers or aborted records still advance the position
 * (kafkajs emits END_BATCH_PROCESS for them), which is how the end is detected under
 * read-committed isolation.
 */
export async function readTopicRange(
  kafka: Kafka,
  topic: string,
  from: ReadonlyMap<number, bigint>,
  onMessage: OnMessage,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Array<{ partition: number; low: string; high: string }>;
  try {
    // Right after a topic is created its leader may not serve offsets yet (NOT_LEADER, retriable).
    offsets = await retrying(() => admin.fetchTopicOffsets(topic));
  } finally {
    await admin.disconnect();
  }
  const ranges = new Map<number, { from: bigint; end: bigint }>();
  for (const o of offsets) {
    const first = from.get(o.partition) ?? 0n;
    const begin = first < BigInt(o.low) ? BigInt(o.low) : first;
    if (begin < BigInt(o.high)) ranges.set(o.partition, { from: begin, end: BigInt(o.high) });
  }
  if (ranges.size === 0) return;

  const consumer = kafka.consumer({ groupId: `tidemark-reader-${randomUUID()}`, readUncommitted: false });
  const remaining = new Set(ranges.keys());
  const reached = (partition: number, lastOffset: bigint) => {
    if (lastOffset + 1n >= (ranges.get(partition)?.end ?? 0n)) remaining.delete(partition);
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
        const range = ranges.get(partition);
        if (range && remaining.has(partition) && BigInt(message.offset) >= range.from && BigInt(message.offset) < range.end) onMessage(message, partition);
      },
    });
    // Where to begin: a range's first offset; a partition with nothing to read, its end.
    for (const { partition, high } of offsets) {
      const range = ranges.get(partition);
      if (range === undefined || range.from > 0n) consumer.seek({ topic, partition, offset: (range?.from ?? BigInt(high)).toString() });
    }
    await done;
  } finally {
    await consumer.disconnect();
  }
}
