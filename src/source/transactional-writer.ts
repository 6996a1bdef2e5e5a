import type { Kafka, Message, Producer } from 'kafkajs';
import { envelopeType, frame, type ChangeEnvelope } from '../envelope/index.js';
import { TidemarkError } from '../ops/errors.js';
import { chunkBySize, producerConfig } from '../ops/kafka.js';
import type { SourceState } from './state.js';

/** What a collection pipeline writes through: records and the position they reach, together. */
export interface RecordWriter {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  commit(envelopes: ChangeEnvelope[], state: SourceState): Promise<void>;
}

export interface WriterTarget {
  topic: string;
  stateTopic: string;
  stateKey: string;
  schemaId: number;
}

/** The Kafka records of envelopes: Confluent-framed Avro, keyed by _id; a delete is followed by a tombstone. */
export function envelopeMessages(envelopes: ChangeEnvelope[], schemaId: number): Message[] {
  const messages: Message[] = [];
  for (const e of envelopes) {
    messages.push({
      key: e.key,
      value: frame(schemaId, envelopeType.toBuffer(e)),
      headers: { 'tm.op': e.op, 'tm.cluster_time': `${e.source.clusterTimeSeconds}.${e.source.clusterTimeIncrement}` },
    });
    // A delete is followed by a tombstone so the topic can be compacted.
    if (e.op === 'd') messages.push({ key: e.key, value: null });
  }
  return messages;
}

/**
 * Writes a collection's records and the position they reach in one Kafka
 * transaction (exactly once into Kafka). One transactional id per collection:
 * connecting fences any predecessor and aborts the transaction it left open.
 */
export class TransactionalWriter implements RecordWriter {
  private producer: Producer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalId: string,
    private readonly target: WriterTarget,
  ) {}

  /**
   * A new producer on every connect: a commit cut off by a broker outage can leave
   * kafkajs's transaction state at COMMITTING for good ("Cannot call beginTransaction in
   * state COMMITTING"), and reconnecting the same producer keeps that state. A new one
   * with the same transactional id fences the old and settles what it left open.
   */
  async connect(): Promise<void> {
    await this.disconnect();
    // A transaction begun right after the previous commit meets CONCURRENT_TRANSACTIONS while the
    // broker writes the markers (a few ms); the default 300 ms first retry would stall every batch
    // of a steady stream. Backoff still grows to 10 s for a real outage.
    const producer = this.kafka.producer(
      producerConfig({ transactionalId: this.transactionalId, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 25, maxRetryTime: 10_000 } }),
    );
    await producer.connect();
    this.producer = producer;
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect();
  }

  async commit(envelopes: ChangeEnvelope[], state: SourceState): Promise<void> {
    const { topic, stateTopic, stateKey, schemaId } = this.target;
    if (!this.producer) throw new TidemarkError('TM_NOT_CONNECTED', `the ${topic} writer is not connected`, { retriable: true });
    const messages = envelopeMessages(envelopes, schemaId);
    const tx = await this.producer.transaction();
    try {
      // Several produce requests, one transaction: a batch of large documents would
      // exceed the broker's request limits as one request. The last one carries the
      // position too (one partition registration and one produce round trip fewer).
      const chunks = chunkBySize(messages);
      const last = chunks.pop() ?? [];
      for (const chunk of chunks) await tx.send({ topic, messages: chunk });
      const position = { topic: stateTopic, messages: [{ key: stateKey, value: JSON.stringify(state) }] };
      await tx.sendBatch({ topicMessages: last.length > 0 ? [{ topic, messages: last }, position] : [position] });
      await tx.commit();
    } catch (err) {
      // The outcome of a failed commit is unknown: the caller reloads the position from the state topic.
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }
}
