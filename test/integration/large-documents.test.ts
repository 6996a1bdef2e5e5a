// Documents near MongoDB's size limit and batches far beyond Kafka's 1 MB default
// travel whole: topics accept 20 MiB records, and the source splits a batch into
// several produce requests inside one transaction.
import type { Document, ObjectId } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startPipeline } from '../../src/cli/pipeline.js';
import type { Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { chunkBySize } from '../../src/ops/kafka.js';
import { loadMappings, uuidFor } from '../../src/transform/index.js';
import { Random, paymentDocument } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';

let config: Config;
let pool: pg.Pool;

describe('large documents and large batches', () => {
  beforeAll(async () => {
    config = await isolatedConfig('large', (c) => ({ connectors: { ...c.connectors, include: ['payments'] } }));
    pool = await migratedPool(config);
  });
  afterAll(() => dropTestSchema(config, pool));

  it('splits records into produce requests of about 512 KB, a large record alone', () => {
    const small = { key: 'k', value: Buffer.alloc(100_000) };
    const big = { key: 'b', value: Buffer.alloc(3_000_000) };
    expect(chunkBySize([small, small, small, small, small, small, big, small]).map((c) => c.length)).toEqual([5, 1, 1, 1]);
  });

  it('replicates 4 MB documents and 1,000 × 6 KB documents in batches of 500', async () => {
    const rng = new Random(11);
    const big: Document[] = Array.from({ length: 3 }, (_, i) => ({ ...paymentDocument(rng), attachment: `${i}`.repeat(4_000_000) }));
    const many: Document[] = Array.from({ length: 1000 }, () => ({ ...paymentDocument(rng), note: 'x'.repeat(6_000) }));
    const docs = [...big, ...many].filter((d) => d.amount !== null);
    const mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    try {
      for (let i = 0; i < docs.length; i += 100) await mongo.db(config.mongo.database).collection('payments').insertMany(docs.slice(i, i + 100));
    } finally {
      await mongo.close();
    }
    const logger = createLogger({ level: 'error' });
    const pipeline = startPipeline(config, logger, loadMappings(config.connectors.dir, ['payments']));
    try {
      await eventually('all rows applied', async () => {
        if (pipeline.error) throw pipeline.error;
        const { rows } = await pool.query('SELECT count(*)::int AS n FROM payments');
        return rows[0].n === docs.length ? true : undefined;
      }, 120_000);
    } finally {
      await pipeline.stop();
    }
    const { rows } = await pool.query(`SELECT length(extra->>'attachment') AS n FROM payments WHERE id = $1`, [uuidFor('payments', docs[0]!._id as ObjectId)]);
    expect(rows).toEqual([{ n: 4_000_000 }]);
  }, 180_000);
});
