import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import pg from 'pg';
import { createRegistry, registerEnvelope } from '../../src/envelope/index.js';
import { loadConfig, type Config } from '../../src/ops/config.js';
import { createKafka, ensureCollectionTopics, topicFor } from '../../src/ops/kafka.js';
import { createLogger, type Logger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { applyMigrations, ensureDatabase } from '../../src/schema/index.js';
import { loadMappings, type Mapping } from '../../src/transform/index.js';

/** The collection the pipeline probes replicate (medium documents, no parent tables). */
export const BENCH_COLLECTION = 'payments';

/**
 * One probe's own corner of the shared stack: a MongoDB database, PostgreSQL schema,
 * topic prefix, consumer groups and registry subjects, all named `bench_<probe>_<random>`
 * so teardown can drop exactly what the probe made.
 */
export interface Bed {
  id: string;
  config: Config;
  logger: Logger;
  kafka: Kafka;
  mongo: MongoClient;
  db: Db;
  pool: pg.Pool;
  mappings: Mapping[];
  topic: string;
  schemaId: number;
  /** A consumer group name of this bed not used before (a fresh group per run). */
  freshGroup(): string;
  /** The config with another MongoDB database, topic prefix and group (a run that must start from nothing). */
  derived(suffix: string): Config;
  close(): Promise<void>;
}

export async function openBed(probe: string, opts: { migrate?: boolean } = {}): Promise<Bed> {
  const id = `bench_${probe.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 16)}_${randomBytes(3).toString('hex')}`;
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', name: 'tidemark-bench' });
  const base = loadConfig({ env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' } });
  const derive = (suffix: string): Config => ({
    ...base,
    mongo: { ...base.mongo, database: `${id}${suffix}` },
    kafka: { ...base.kafka, topicPrefix: `${id}${suffix}` },
    postgres: { ...base.postgres, schema: id },
    sink: { ...base.sink, groupId: `${id}${suffix}` },
    connectors: { ...base.connectors, include: [BENCH_COLLECTION] },
  });
  const config = derive('');
  const mappings = loadMappings(config.connectors.dir, config.connectors.include);
  await ensureDatabase(config.postgres.url);
  if (opts.migrate !== false) await applyMigrations(config.postgres.url, id, logger);
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 3, options: `-c search_path=${id}` });
  const kafka = createKafka(config, logger, '-bench');
  await ensureCollectionTopics(kafka, config, [BENCH_COLLECTION]);
  const topic = topicFor(config, BENCH_COLLECTION);
  const schemaId = await registerEnvelope(createRegistry(config.schemaRegistry.url), topic);
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  let groups = 0;
  return {
    id,
    config,
    logger,
    kafka,
    mongo,
    db: mongo.db(config.mongo.database),
    pool,
    mappings,
    topic,
    schemaId,
    freshGroup: () => `${id}-g${++groups}`,
    derived: derive,
    close: () => dropBed(id, config, kafka, mongo, pool),
  };
}

/** Drops every database, schema, topic, group and registry subject whose name starts with the bed's id. */
async function dropBed(id: string, config: Config, kafka: Kafka, mongo: MongoClient, pool: pg.Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(id)} CASCADE`).catch(() => undefined);
  await pool.end();
  const { databases } = await mongo.db('admin').admin().listDatabases();
  for (const d of databases.filter((d) => d.name.startsWith(id))) await mongo.db(d.name).dropDatabase();
  await mongo.close();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(id));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter((g) => g.startsWith(id));
    if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
    for (const t of topics) await deleteSubject(config.schemaRegistry.url, `${t}-value`);
  } finally {
    await admin.disconnect();
  }
}

async function deleteSubject(registryUrl: string, subject: string): Promise<void> {
  const url = `${registryUrl.replace(/\/$/, '')}/subjects/${encodeURIComponent(subject)}`;
  // Soft delete first, then permanent: the Confluent API refuses a permanent delete of a live subject.
  const soft = await fetch(url, { method: 'DELETE' }).catch(() => undefined);
  if (soft?.ok) await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}
