// A commit cut off by a broker outage can leave a kafkajs producer's transaction state
// stuck ("Cannot call beginTransaction in state COMMITTING"). The writer's reconnect,
// which the pipeline's retry does, must start from a new producer, not the stuck one.
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { ChangeEnvelope } from '../../../src/envelope/index.js';
import { TransactionalWriter } from '../../../src/source/transactional-writer.js';
import type { SourceState } from '../../../src/source/state.js';

/** Producers whose transactions fail for good once `stuck` is set on them, as kafkajs's do. */
class FakeKafka {
  readonly producers: Array<{ stuck: boolean; connected: boolean; sent: number; transactionalId?: string }> = [];

  producer(config: { transactionalId?: string }) {
    const p = { stuck: false, connected: false, sent: 0, transactionalId: config.transactionalId };
    this.producers.push(p);
    return {
      connect: async () => void (p.connected = true),
      disconnect: async () => void (p.connected = false),
      transaction: async () => {
        if (p.stuck) throw new Error('Transaction state exception: Cannot call "beginTransaction" in state "COMMITTING"');
        const send = async () => void (p.sent += 1);
        return { send, sendBatch: send, commit: async () => undefined, abort: async () => undefined };
      },
    };
  }
}

const target = { topic: 't.payments', stateTopic: 't.state', stateKey: 'db.payments', schemaId: 1 };
const state = { phase: 'stream' } as unknown as SourceState;

describe('TransactionalWriter', () => {
  it('reconnects with a new producer, so a transaction state stuck by an outage is left behind', async () => {
    const kafka = new FakeKafka();
    const writer = new TransactionalWriter(kafka as unknown as Kafka, 'tidemark-source.db.payments', target);
    await writer.connect();
    await writer.commit([] as ChangeEnvelope[], state);
    kafka.producers[0]!.stuck = true;
    await expect(writer.commit([], state)).rejects.toThrow(/state "COMMITTING"/);

    await writer.disconnect();
    await writer.connect();
    await writer.commit([], state);
    expect(kafka.producers).toHaveLength(2);
    expect(kafka.producers.map((p) => p.transactionalId)).toEqual(['tidemark-source.db.payments', 'tidemark-source.db.payments']);
    expect(kafka.producers[0]!.connected).toBe(false);
    expect(kafka.producers[1]!.sent).toBe(1); // the state record
  });

  it('refuses to commit while not connected, as a retriable error', async () => {
    const writer = new TransactionalWriter(new FakeKafka() as unknown as Kafka, 'x', target);
    await expect(writer.commit([], state)).rejects.toMatchObject({ retriable: true });
  });
});
