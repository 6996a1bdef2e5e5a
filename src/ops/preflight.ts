import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import type { Config } from './config.js';
import { describe } from './errors.js';
import { redactUrl } from './logger.js';

export type Service = 'mongo' | 'kafka' | 'schemaRegistry' | 'postgres';

/**
 * Checks that every service a command needs answers, all at once, so a
 * start-up error names each unreachable one instead of the first.
 */
export async function preflight(config: Config, services: Service[], timeoutMs = 5000): Promise<string[]> {
  const checks: Record<Service, () => Promise<void>> = {
    mongo: async () => {
      const client = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
      try {
        await client.connect();
        await client.db('admin').command({ ping: 1 });
      } finally {
        await client.close();
      }
    },
    kafka: async () => {
      const kafka = new Kafka({
        clientId: 'tidemark-preflight',
        brokers: config.kafka.brokers,
        connectionTimeout: timeoutMs,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    },
    schemaRegistry: async () => {
      const res = await fetch(`${config.schemaRegistry.url.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`GET /subjects answered HTTP ${res.status}`);
    },
    postgres: async () => {
      const client = new pg.Client({ connectionString: config.postgres.url, connectionTimeoutMillis: timeoutMs });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
  const where: Record<Service, string> = {
    mongo: `mongo.url ${redactUrl(config.mongo.url)}`,
    kafka: `kafka.brokers ${config.kafka.brokers.join(',')}`,
    schemaRegistry: `schemaRegistry.url ${redactUrl(config.schemaRegistry.url)}`,
    postgres: `postgres.url ${redactUrl(config.postgres.url)}`,
  };
  const results = await Promise.allSettled(services.map((s) => withTimeout(checks[s](), timeoutMs * 2)));
  return results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${services[i]} unreachable (${where[services[i]!]}): ${describe(r.reason)}`] : [],
  );
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
