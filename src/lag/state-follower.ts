import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../ops/logger.js';
import { retrying } from '../ops/retry.js';
import type { SourceState } from '../source/index.js';

/**
 * Keeps the latest source state of every collection by following the source's
 * compacted state topic (heartbeats included), for a process that samples lag
 * every few seconds; reading the topic from its start on every sample would not keep up.
 */
export class SourceStateFollower {
  readonly states = new Map<string, SourceState>();
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly log: Logger,
  ) {}

  /** Resolves once every record that existed at the start has been read: before then the states are old. */
  async start(timeoutMs = 60_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const offsets = await retrying(() => admin.fetchTopicOffsets(this.topic));
      ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({ groupId: `tidemark-state-follower-${randomUUID()}`, readUncommitted: false });
    this.consumer = consumer;
    const caughtUp = new Promise<void>((resolve, reject) => {
      if (ends.size === 0) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out reading the source state topic '${this.topic}' to its end`)), timeoutMs);
      // Batches of transaction markers only still report their last offset here.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
        if (ends.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (!key) return;
        if (message.value === null) this.states.delete(key);
        else this.states.set(key, JSON.parse(message.value.toString()) as SourceState);
      },
    });
    await caughtUp;
    this.log.info({ topic: this.topic, collections: this.states.size }, 'following the source state topic');
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch((err) => this.log.warn({ err }, 'state follower disconnect failed'));
    this.consumer = null;
  }
}
