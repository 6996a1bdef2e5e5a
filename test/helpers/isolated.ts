import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { preflight } from '../../src/ops/preflight.js';
import { applyMigrations, ensureDatabase } from '../../src/schema/index.js';

/**
 * Per-test isolation in the real services: a MongoDB database, PostgreSQL
 * schema, topic prefix and consumer group of its own, derived from a random id.
 * A missing service fails the test loudly; nothing is skipped.
 */
export async function isolatedConfig(label: string, overrides: (c: Config) => Partial<Config> = () => ({})): Promise<Config> {
  const id = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 12)}_${randomBytes(3).toString('hex')}`;
  const base = loadConfig({ env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  // The first test on a fresh machine creates the database every test shares.
  await ensureDatabase(base.postgres.url).catch(() => undefined); // an unreachable server is reported just below
  const problems = await preflight(base, ['mongo', 'kafka', 'schemaRegistry', 'postgres']);
  if (problems.length > 0) throw new Error(`integration test needs the local stack (npm run stack:up):\n${problems.join('\n')}`);
  const config: Config = {
    ...base,
    mongo: { ...base.mongo, database: `t_${id}` },
    kafka: { ...base.kafka, topicPrefix: `t-${id}` },
    postgres: { ...base.postgres, schema: `t_${id}` },
    sink: { ...base.sink, groupId: `t-${id}` },
    source: { ...base.source, heartbeatIntervalMs: 500 },
  };
  return { ...config, ...overrides(config) };
}

export async function migratedPool(config: Config): Promise<pg.Pool> {
  await ensureDatabase(config.postgres.url);
  await applyMigrations(config.postgres.url, config.postgres.schema, createLogger({ level: 'warn' }));
  return new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${config.postgres.schema}` });
}

/** Polls until `check` returns a value (not undefined) or fails with the last observation. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Removes a test's PostgreSQL schema and MongoDB database and closes its pool
 * (afterAll of every PostgreSQL test): the local Mongo server keeps everything in memory.
 */
export async function dropTestSchema(config: Config | undefined, pool: pg.Pool | undefined): Promise<void> {
  if (!config || !pool) return;
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(config.postgres.schema)} CASCADE`);
  await pool.end();
  const mongo = createMongoClient(config.mongo.url);
  try {
    await mongo.connect();
    await mongo.db(config.mongo.database).dropDatabase();
  } finally {
    await mongo.close();
  }
}
