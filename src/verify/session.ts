// The connections of one verification run. PostgreSQL is one dedicated connection
// (the temp tables live in its session) with times printed in UTC and a statement
// timeout, so a stuck query ends the run as "could not verify" instead of hanging.

import type { Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import pg from 'pg';
import { AvroDecoder, createRegistry, envelopeType, type ChangeEnvelope } from '../envelope/index.js';
import type { Config } from '../ops/config.js';
import { createKafka } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import { createMongoClient } from '../ops/mongo.js';
import type { Queryable } from './mirror.js';

/** A PostgreSQL snapshot held open (REPEATABLE READ) for other transactions to import. */
export interface HeldSnapshot {
  id: string;
  /** Reads in the snapshot. */
  db: Queryable;
  release(): Promise<void>;
}

export interface VerifySession {
  db: pg.Client;
  /** Opens a snapshot on a second connection (the first may be in its own transaction). */
  holdSnapshot(): Promise<HeldSnapshot>;
  mongoClient: MongoClient;
  mongo: Db;
  kafka: Kafka;
  decoder: AvroDecoder<ChangeEnvelope>;
  close(): Promise<void>;
}

export async function openSession(config: Config, log: Logger): Promise<VerifySession> {
  const connect = async () => {
    const client = new pg.Client({
      connectionString: config.postgres.url,
      options: `-c search_path=${config.postgres.schema} -c TimeZone=UTC -c statement_timeout=${config.verify.statementTimeoutMs} -c jit=off`,
      application_name: 'tidemark-verify',
      connectionTimeoutMillis: 10_000,
    });
    // A dropped connection fails the query in flight; the event itself must not crash the process.
    client.on('error', (err) => log.warn({ err }, 'PostgreSQL connection failed'));
    await client.connect();
    return client;
  };
  const db = await connect();
  let holder: pg.Client | null = null;
  const mongoClient = createMongoClient(config.mongo.url);
  try {
    await mongoClient.connect();
  } catch (err) {
    await db.end().catch(() => undefined);
    throw err;
  }
  return {
    db,
    async holdSnapshot() {
      holder ??= await connect();
      const held = holder;
      await held.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        const { rows } = await held.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
        return { id: rows[0]!.id, db: held, release: async () => void (await held.query('COMMIT')) };
      } catch (err) {
        await held.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    mongoClient,
    mongo: mongoClient.db(config.mongo.database),
    kafka: createKafka(config, log, '-verify'),
    decoder: new AvroDecoder<ChangeEnvelope>(createRegistry(config.schemaRegistry.url), envelopeType),
    async close() {
      await Promise.allSettled([db.end(), holder?.end(), mongoClient.close()]);
    },
  };
}
