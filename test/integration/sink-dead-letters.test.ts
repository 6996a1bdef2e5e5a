import { Decimal128, Int32, ObjectId, type Document } from 'bson';
import type { Kafka, Message } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeType, frame } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { deadLetterTopicFor, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { uuidFor } from '../../src/transform/index.js';
import { Random } from '../../src/workload/index.js';
import { dropTestSchema } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';
import { EnvelopeFeed, changeEnvelope, openPaymentsSinkBed, runPaymentsSinkUntilCaughtUp } from '../helpers/sink-feed.js';

const T = 1_760_000_000;

// Issue acceptance (DESIGN decisions 7 and 8): every kind of rejected record goes to
// `<topic>.dlq` with its original key and bytes, the reason and the source position,
// and the good records around it in the same batch are applied.
describe('sink dead letters', () => {
  let config: Config;
  let pool: pg.Pool;
  let kafka: Kafka;
  const logger = createLogger({ level: 'warn' });

  beforeAll(async () => {
    ({ config, pool, kafka } = await openPaymentsSinkBed('sinkdlq', logger));
  });

  afterAll(async () => {
    await dropTestSchema(config, pool);
  });

  it('rejects each bad record with its reason and position, and applies its neighbours', async () => {
    const rng = new Random(77);
    const topic = topicFor(config, 'payments');
    const payment = (id: ObjectId, over: Document = {}): Document => ({
      _id: id,
      amount: Decimal128.fromString('12.34'),
      currency: 'USDC',
      status: 'pending',
      provider: 'request_network',
      createdAt: new Date('2026-03-01T00:00:00Z'),
      updatedAt: new Date('2026-03-01T00:00:00Z'),
      ...over,
    });
    const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-feed`);
    const good: ObjectId[] = [];
    let n = 0;
    const ok = (): Message => {
      const id = new ObjectId(rng.hex(12));
      good.push(id);
      return feed.message(changeEnvelope(config, 'c', id, payment(id), { t: T + ++n }));
    };
    const bad = (over: Document): Message => {
      const id = new ObjectId(rng.hex(12));
      return feed.message(changeEnvelope(config, 'c', id, payment(id, over), { t: T + ++n }));
    };
    const validBody = envelopeType.toBuffer(changeEnvelope(config, 'c', new ObjectId(rng.hex(12)), payment(new ObjectId()), { t: T }));
    // Each rejected kind, with the pattern its reason must match.
    const cases: Array<{ kind: string; message: Message; reason: RegExp }> = [
      { kind: 'NULL amount', message: bad({ amount: null }), reason: /amount.*NULL but NOT NULL/ },
      { kind: 'invalid enum', message: bad({ status: 'lost' }), reason: /column status.*unknown value "lost"/ },
      { kind: 'amount 0', message: bad({ amount: Decimal128.fromString('0') }), reason: /amount.*(positive|> 0)/ },
      { kind: 'not the wire format', message: { key: 'not-wire', value: Buffer.from('{"amount": 1}') }, reason: /^undecodable record: .*wire format/ },
      { kind: 'unknown schema id', message: { key: 'bad-schema-id', value: frame(987_654_321, validBody) }, reason: /^undecodable record: .*987654321 not found/ },
      { kind: 'garbage body', message: { key: 'garbage', value: frame(feed.schemaId, Buffer.from([0x06, 0xff, 0xfe, 0x01, 0x80])) }, reason: /^undecodable record: \S/ },
      { kind: 'wrong type (date)', message: bad({ createdAt: new Int32(1_700_000_000) }), reason: /created_at.*not a date/ },
      { kind: 'wrong type (money)', message: bad({ amount: true }), reason: /column amount.*boolean true is not a number/ },
    ];
    // One transaction on one partition, a good record before, between and after the bad ones:
    // one batch for the sink.
    const records: Message[] = [ok()];
    for (const c of cases) records.push(c.message, ok());
    try {
      await feed.send(records.map((m) => ({ ...m, partition: 0 })));
    } finally {
      await feed.close();
    }

    const counters = await runPaymentsSinkUntilCaughtUp(config, logger, kafka, pool);
    expect(counters.batches).toBe(1); // good and bad records shared one batch
    expect(counters.rejected).toBe(cases.length);

    // The good neighbours are applied.
    const { rows } = await pool.query('SELECT id, amount::text FROM payments ORDER BY id');
    expect(rows).toEqual(good.map((id) => ({ id: uuidFor('payments', id), amount: '12.340000000000000000' })).sort((a, b) => a.id.localeCompare(b.id)));

    // Each rejected record is on the dead-letter topic, once, with its original key and
    // bytes, reason and source position.
    const source = await readTopic(kafka, topic);
    const dlq = await readTopic(kafka, deadLetterTopicFor(topic));
    expect(dlq).toHaveLength(cases.length);
    for (const c of cases) {
      const original = source.find((r) => r.key === c.message.key?.toString());
      expect(original, c.kind).toBeDefined();
      // Dead letters keep the original key, so they spread over the DLQ's partitions like it.
      const letters = dlq.filter((r) => r.key === original!.key);
      expect(letters, c.kind).toHaveLength(1);
      const letter = letters[0]!;
      expect(Buffer.compare(letter.value!, c.message.value as Buffer), `${c.kind}: original bytes`).toBe(0);
      expect(letter.headers['tm.reason'], c.kind).toMatch(c.reason);
      expect(letter.headers, c.kind).toMatchObject({
        'tm.source.topic': topic,
        'tm.source.partition': '0',
        'tm.source.offset': original!.offset,
      });
    }
  }, 120_000);
});
