import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Config } from '../ops/config.js';
import { createKafka, ensureCollectionTopics, topicFor } from '../ops/kafka.js';
import { createLogger } from '../ops/logger.js';
import { createMongoClient } from '../ops/mongo.js';
import { measureLag } from '../lag/index.js';
import { applyMigrations, ensureDatabase } from '../schema/index.js';
import { loadMappings } from '../transform/index.js';
import { Random, paymentDocument } from '../workload/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import type { Command } from './commands.js';
import { startPipeline } from './pipeline.js';

const STACK = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));

export const demoCommand: Command = {
  summary:
    'Bring the local stack up, seed Amanat-shaped payments into MongoDB, run source and sink, show rows arriving in\n' +
    'PostgreSQL with the lag, apply live inserts/updates/deletes, then stop cleanly. --keep leaves it running until Ctrl-C.',
  usage: 'tidemark demo [--documents <n>] [--keep] [--no-stack] [--config <file>]',
  async run(argv) {
    const { values } = parse(argv, { documents: { type: 'string' }, keep: { type: 'boolean' }, 'no-stack': { type: 'boolean' } });
    const documents = Number(values.documents ?? 5000);
    if (!Number.isInteger(documents) || documents < 1) throw new Error(`--documents must be a positive integer, got '${values.documents}'`);
    if (!values['no-stack']) {
      const up = spawnSync('bash', [STACK, 'up'], { stdio: 'inherit' });
      if (up.status !== 0) return 1;
    }
    // The demo owns its own database, schema, topics and group, so it never touches real replicas.
    const base = configFrom(values);
    const run = Date.now().toString(36);
    const config: Config = {
      ...base,
      mongo: { ...base.mongo, database: 'amanat_demo' },
      kafka: { ...base.kafka, topicPrefix: `tidemark-demo-${run}` },
      postgres: { ...base.postgres, schema: 'tidemark_demo' },
      sink: { ...base.sink, groupId: `tidemark-demo-${run}` },
      connectors: { ...base.connectors, include: ['payments'] },
      log: { level: process.env.LOG_LEVEL ? base.log.level : 'warn' },
    };
    const logger = createLogger({ level: config.log.level, name: 'tidemark-demo' });
    const say = (line: string) => console.log(`[demo] ${line}`);
    const mappings = loadMappings(config.connectors.dir, config.connectors.include);

    await ensureDatabase(config.postgres.url);
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${config.postgres.schema}` });
    await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(config.postgres.schema)} CASCADE`);
    const migrated = await applyMigrations(config.postgres.url, config.postgres.schema, logger);
    say(`PostgreSQL schema '${config.postgres.schema}' ready (${migrated.applied.length} migrations)`);

    const mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const payments = mongo.db(config.mongo.database).collection('payments');
    await payments.deleteMany({});
    const rng = new Random(20261127);
    const docs = Array.from({ length: documents }, () => paymentDocument(rng, { nullAmountRate: 0.01 }));
    for (let i = 0; i < docs.length; i += 1000) await payments.insertMany(docs.slice(i, i + 1000));
    const rejectedExpected = docs.filter((d) => d.amount === null).length;
    say(`seeded ${documents} payments into MongoDB ${config.mongo.database}.payments (${rejectedExpected} with a NULL amount: those must be rejected, not written as 0)`);

    const kafka = createKafka(config, logger, '-demo');
    const topic = topicFor(config, 'payments');
    await ensureCollectionTopics(kafka, config, ['payments']);
    const pipeline = startPipeline(config, logger, mappings);
    const started = Date.now();
    const status = async () => {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM payments');
      const [lag] = await measureLag(kafka, pool, config.sink.groupId, [{ collection: 'payments', topic }]);
      return { rows: Number(rows[0]!.n), lag: lag! };
    };
    const waitFor = async (what: string, done: (rows: number) => Promise<boolean> | boolean) => {
      for (;;) {
        const s = await status();
        const age = s.lag.applyLagMs === null ? 'unknown (nothing applied yet)' : `${(s.lag.applyLagMs / 1000).toFixed(1)} s`;
        say(`${what}: ${s.rows} rows in PostgreSQL, ${s.lag.recordsBehind} Kafka records not yet applied, apply lag ${age}`);
        if (await done(s.rows)) return;
        if (pipeline.error) throw new Error(`replication stopped: ${String(pipeline.error)}`);
        if (Date.now() - started > 180_000) throw new Error(`demo timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    try {
      await waitFor('snapshot', (rows) => rows === documents - rejectedExpected);
      say(`snapshot replicated in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const live = docs.filter((d) => d.amount !== null).slice(0, 10);
      await payments.updateMany({ _id: { $in: live.slice(0, 5).map((d) => d._id) } }, { $set: { status: 'completed', updatedAt: new Date() } });
      await payments.deleteMany({ _id: { $in: live.slice(5).map((d) => d._id) } });
      const fresh = Array.from({ length: 20 }, () => paymentDocument(rng));
      await payments.insertMany(fresh);
      say('live changes in MongoDB: 5 updates (status -> completed), 5 deletes, 20 inserts');
      const expected = documents - rejectedExpected - 5 + fresh.length;
      await waitFor('streaming', async (rows) => {
        if (rows !== expected) return false;
        const { rows: done } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM payments WHERE legacy_id = ANY($1) AND status = 'completed'`,
          [live.slice(0, 5).map((d) => d._id.toHexString())],
        );
        return Number(done[0]!.n) === 5;
      });
      const sample = await pool.query(
        `SELECT id, legacy_id, amount, currency, status, provider, created_at FROM payments ORDER BY created_at DESC LIMIT 5`,
      );
      console.table(sample.rows);
      say(`done: ${expected} payments replicated, ${rejectedExpected} rejected to ${topic}.dlq with their reason`);
      if (values.keep) {
        say('--keep: still replicating; change documents in MongoDB and watch PostgreSQL. Ctrl-C stops.');
        await new Promise<void>((resolve) => shutdownSignal().addEventListener('abort', () => resolve()));
      }
    } finally {
      const { pipelines, sink } = await pipeline.stop();
      say(`stopped cleanly: source ${pipelines.map((p) => `${p.name}=${p.status}`).join(', ')}; sink read ${sink.records} records (upserted ${sink.upserted} rows, deleted ${sink.deleted}), rejected ${sink.rejected}`);
      await mongo.close();
      await pool.end();
    }
    return 0;
  },
};
