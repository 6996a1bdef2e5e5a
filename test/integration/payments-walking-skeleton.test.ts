import { Decimal128, ObjectId } from 'bson';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type RunningPipeline } from '../../src/cli/pipeline.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { loadMappings, uuidFor } from '../../src/transform/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import type { Config } from '../../src/ops/config.js';
import type { MongoClient } from 'mongodb';

// One payment travels MongoDB -> change stream -> Kafka (Avro in the registry) ->
// consumer group -> PostgreSQL, through the real local services.
describe('payments walking skeleton', () => {
  let config: Config;
  let pool: pg.Pool;
  let mongo: MongoClient;
  let pipeline: RunningPipeline;
  const id = new ObjectId();
  const uuid = uuidFor('payments', id);

  const row = async () => (await pool.query('SELECT amount::text, status, provider, buyer_id, extra, created_at FROM payments WHERE id = $1', [uuid])).rows[0];

  beforeAll(async () => {
    // users too: payments.buyer_id is a physical FK, so the buyer must be replicated first (or be parked).
    config = await isolatedConfig('skeleton', (c) => ({ connectors: { ...c.connectors, include: ['payments', 'users'] } }));
    pool = await migratedPool(config);
    mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    // An existing document is picked up by the snapshot.
    await mongo.db(config.mongo.database).collection('payments').insertOne({
      _id: new ObjectId(),
      amount: Decimal128.fromString('10.5'),
      currency: 'USDT',
      status: 'pending',
      provider: 'request_network',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    pipeline = startPipeline(config, createLogger({ level: config.log.level }), loadMappings(config.connectors.dir, config.connectors.include));
    await eventually('snapshot row', async () => {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM payments');
      return rows[0].n === 1 ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    await pipeline?.stop();
    await mongo?.db(config.mongo.database).dropDatabase();
    await mongo?.close();
    await dropTestSchema(config, pool);
  }, 60_000);

  it('insert appears, update changes it, delete removes it', async () => {
    const payments = mongo.db(config.mongo.database).collection('payments');
    const buyer = new ObjectId();
    await mongo.db(config.mongo.database).collection('users').insertOne({ _id: buyer, email: 'buyer@example.com', createdAt: new Date(), updatedAt: new Date() });
    await payments.insertOne({
      _id: id,
      amount: Decimal128.fromString('1234567890123456.123456789012345678'),
      currency: 'USDC',
      status: 'pending',
      provider: 'request.network',
      buyerId: buyer,
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      updatedAt: new Date('2026-01-02T03:04:05.678Z'),
      notes: 'kept in extra',
    });
    const inserted = await eventually('inserted row', row);
    expect(inserted.amount).toBe('1234567890123456.123456789012345678');
    expect(inserted.status).toBe('pending');
    expect(inserted.provider).toBe('request_network');
    expect(inserted.buyer_id).toBe(uuidFor('users', buyer));
    expect(inserted.extra).toEqual({ notes: 'kept in extra' });
    expect((inserted.created_at as Date).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const idMap = await pool.query('SELECT new_id FROM id_map WHERE collection = $1 AND legacy_object_id = $2', ['payments', id.toHexString()]);
    expect(idMap.rows).toEqual([{ new_id: uuid }]);

    await payments.updateOne({ _id: id }, { $set: { status: 'completed', amount: Decimal128.fromString('99.99') } });
    const updated = await eventually('updated row', async () => {
      const r = await row();
      return r?.status === 'completed' ? r : undefined;
    });
    expect(updated.amount).toBe('99.990000000000000000');

    await payments.deleteOne({ _id: id });
    await eventually('deleted row', async () => ((await row()) === undefined ? true : undefined));
    const tomb = await pool.query('SELECT count(*)::int AS n FROM tidemark_tombstones WHERE target_table = $1 AND id = $2', ['payments', uuid]);
    expect(tomb.rows[0].n).toBe(1);
  }, 60_000);
});
