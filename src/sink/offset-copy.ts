import type { Consumer } from 'kafkajs';
import type { Logger } from '../ops/logger.js';

/**
 * Copies the applied offsets to Kafka for lag tools, at most once per interval and
 * in the background: PostgreSQL's copy is the truth, so a batch never waits on the
 * group coordinator for this. Only the newest offset per partition is sent; a failed
 * copy (the group rebalancing) is logged and the next one carries it.
 */
export class KafkaOffsetCopy {
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    private readonly log: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  /** `next` is the offset after the last applied record. */
  note(topic: string, partition: number, next: bigint): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset: next.toString() });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Sends what is pending now (and waits for any copy in flight): before the consumer disconnects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    // One copy at a time, so an older offset never lands after a newer one.
    this.flushing = this.flushing.then(async () => {
      if (offsets.length === 0) return;
      await this.consumer.commitOffsets(offsets).catch((err) => this.log.warn({ err, offsets }, 'could not copy offsets to Kafka'));
    });
    return this.flushing;
  }
}
