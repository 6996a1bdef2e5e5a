import type { MongoClient } from 'mongodb';
import type pg from 'pg';
import { startPipeline, type RunningPipeline } from '../../src/cli/pipeline.js';
import type { Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { loadMappings } from '../../src/transform/index.js';
import { Random, paymentDocument } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from './isolated.js';

export interface PaymentsReplica {
  config: Config;
  pool: pg.Pool;
  mongo: MongoClient;
  pipeline: RunningPipeline;
  close(): Promise<void>;
}

/**
 * A small live replica: `good` seeded payments plus `nullAmounts` with a NULL amount
 * (rejected to the dead-letter topic), replicated by source and sink in this process.
 * Resolves once PostgreSQL holds every good one.
 */
export async function startPaymentsReplica(
  label: string,
  opts: { good: number; nullAmounts: number; overrides?: (c: Config) => Partial<Config> },
): Promise<PaymentsReplica> {
  const config = await isolatedConfig(label, (c) => ({ connectors: { ...c.connectors, include: ['payments'] }, ...opts.overrides?.(c) }));
  const pool = await migratedPool(config);
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  const rng = new Random(6006);
  const docs = [
    ...Array.from({ length: opts.good }, () => paymentDocument(rng)),
    ...Array.from({ length: opts.nullAmounts }, () => ({ ...paymentDocument(rng), amount: null })),
  ];
  await mongo.db(config.mongo.database).collection('payments').insertMany(docs);
  const pipeline = startPipeline(config, createLogger({ level: config.log.level }), loadMappings(config.connectors.dir, config.connectors.include));
  await eventually(
    'seeded payments in PostgreSQL',
    async () => {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payments');
      return rows[0]!.n === opts.good ? true : undefined;
    },
    60_000,
  );
  return {
    config,
    pool,
    mongo,
    pipeline,
    async close() {
      await pipeline.stop();
      await mongo.db(config.mongo.database).dropDatabase();
      await mongo.close();
      await dropTestSchema(config, pool);
    },
  };
}

/**
 * Records a finished verification the way `tidemark verify` does (migration 0006's
 * tidemark_verifications). Creates the table by its contract while that migration
 * has not landed yet; with the migration applied this is a no-op.
 */
export async function recordVerification(pool: pg.Pool, v: { clean: boolean; differences: number; finishedAt?: Date }): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS tidemark_verifications (
    id bigserial PRIMARY KEY, started_at timestamptz NOT NULL, finished_at timestamptz,
    clean boolean NOT NULL, could_not_verify boolean NOT NULL, report jsonb NOT NULL)`);
  const finished = v.finishedAt ?? new Date();
  await pool.query(
    `INSERT INTO tidemark_verifications (started_at, finished_at, clean, could_not_verify, report) VALUES ($1, $2, $3, false, $4)`,
    [new Date(finished.getTime() - 1_000), finished, v.clean, JSON.stringify({ version: 1, status: v.clean ? 'clean' : 'differences', differences: v.differences })],
  );
}
