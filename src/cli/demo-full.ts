// `tidemark demo`: the Quick start's demo. Stack up, the whole Amanat workload into
// MongoDB, source + sink for every connector, the snapshot arriving in PostgreSQL,
// the live mode for a while, PostgreSQL catching up with MongoDB, a joined sample,
// dead letters and parked changes, then a clean stop.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKafka, ensureCollectionTopics } from '../ops/kafka.js';
import { createLogger } from '../ops/logger.js';
import { createMongoClient } from '../ops/mongo.js';
import { formatDuration } from '../ops/duration.js';
import { applyMigrations, ensureDatabase } from '../schema/index.js';
import { allChildMappings, canonicalKey, loadMappings, type Mapping } from '../transform/index.js';
import {
  acceptedDocuments, generateWorkload, liveStateFrom, seedWorkload, startLiveWorkload, tally, type GeneratedDoc, type LiveStats,
} from '../workload/index.js';
import type { Db } from 'mongodb';
import { configFrom, parse, shutdownSignal } from './args.js';
import { DEFAULT_RATE, withProgress } from './demo-live.js';
import { LIVE_OPTIONS, WORKLOAD_OPTIONS, demoConfig, durationOption, rateOption, workloadOptions, noPositionals } from './demo-options.js';
import { count, liveSummary, say, workloadTable } from './demo-output.js';
import { DemoWatch, waitFor } from './demo-watch.js';
import { startPipeline, type RunningPipeline } from './pipeline.js';
import { textTable } from './text-table.js';

const STACK = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));
const DEFAULT_LIVE_MS = 10_000;

export async function runFullDemo(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...WORKLOAD_OPTIONS, ...LIVE_OPTIONS, keep: { type: 'boolean' }, 'no-stack': { type: 'boolean' } });
  noPositionals(positionals);
  const { purchaseRequests, seed } = workloadOptions(values);
  const rate = rateOption(values.rate, DEFAULT_RATE);
  const liveMs = durationOption(values.duration) ?? DEFAULT_LIVE_MS;
  if (!values['no-stack']) {
    const up = spawnSync('bash', [STACK, 'up'], { stdio: 'inherit' });
    if (up.status !== 0) return 1;
  }
  const config = demoConfig(configFrom(values));
  const logger = createLogger({ level: config.log.level, name: 'tidemark-demo' });
  const mappings = loadMappings(config.connectors.dir, config.connectors.include);
  const began = Date.now();

  await ensureDatabase(config.postgres.url);
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${config.postgres.schema}` });
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(config.postgres.schema)} CASCADE`);
  const migrated = await applyMigrations(config.postgres.url, config.postgres.schema, logger);
  say(`PostgreSQL schema '${config.postgres.schema}' ready (${migrated.applied.length} migrations, ${mappings.length} mapped collections)`);

  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  const kafka = createKafka(config, logger, '-demo');
  let pipeline: RunningPipeline | undefined;
  try {
    const db = mongo.db(config.mongo.database);
    await db.dropDatabase();
    const docs = generateWorkload({ seed, purchaseRequests });
    await seedWorkload(db, docs);
    say(`seeded MongoDB database '${config.mongo.database}' with the Amanat workload (seed ${seed}, ${count(purchaseRequests)} purchase requests), ` +
      'including the audit\'s hard cases:');
    console.log(workloadTable(docs));

    await ensureCollectionTopics(kafka, config, mappings.map((m) => m.collection));
    const watch = new DemoWatch(pool, kafka, config, mappings);
    const started = Date.now();
    pipeline = startPipeline(config, logger, mappings);
    const ms = await snapshot(watch, pipeline, mappings, docs);
    say(`snapshot replicated in ${formatDuration(ms)} (${formatDuration(Date.now() - started)} since source and sink started)`);
    await perTable(watch, mappings, docs);

    say(`live mode: ${rate} operations/s for ${formatDuration(liveMs)} — status machines, duplicate webhooks at once, new deals, deletes, chat messages, NULL amounts`);
    const state = liveStateFrom(docs);
    const stats = await withProgress(startLiveWorkload(db, state, { rate, durationMs: liveMs, seed }), 2000, (line) => say(`live: ${line}`));
    console.log(liveSummary(stats));
    const orphans = new Set(docs.filter((d) => d.expect === 'orphan').map((d) => `${d.collection}|${canonicalKey(d.doc._id)}`));
    const runs = [stats];
    const caughtUp = await converge(watch, pipeline, db, mappings, orphans, runs);
    say(`caught up ${formatDuration(caughtUp)} after the live mode stopped: every table holds as many rows as the mappings make of ` +
      "MongoDB's documents now, and nothing waits in Kafka");

    await sample(pool);
    const parked = await watch.parked();
    const orphanCount = docs.filter((d) => d.expect === 'orphan').length;
    say(`parked: ${count(parked.reduce((n, p) => n + p.count, 0))} changes wait for a parent that never arrives (${count(orphanCount)} seeded orphans: dangling references); ` +
      `reported as expired after ${formatDuration(config.sink.parkedMaxAgeMs)}${parked.length > 0 ? ` — ${parked.map((p) => `${p.table} ${p.count}`).join(', ')}` : ''}`);

    if (values.keep) {
      say(`--keep: replicating, with the live mode at ${rate} operations/s, until Ctrl-C`);
      const signal = shutdownSignal();
      // seed + 1: another stream of operations over the state the first run left.
      const more = startLiveWorkload(db, state, { rate, signal, seed: seed + 1 });
      const kept = await withProgress(more, 10_000, (line) => {
        watch.lag().then((lag) => say(`live: ${line}; ${lag.line}`), () => say(`live: ${line}`));
      });
      console.log(liveSummary(kept));
      runs.push(kept);
      const again = await converge(watch, pipeline, db, mappings, orphans, runs);
      say(`caught up again ${formatDuration(again)} after the live mode stopped`);
    }
    const rejectedSeeded = docs.filter((d) => d.expect === 'rejected').length;
    const { pipelines, sink } = await stopped(pipeline);
    pipeline = undefined;
    say(`dead letters: ${count(sink.rejected)} records rejected to <topic>.dlq with their reason — ${count(rejectedSeeded)} seeded hard cases, ` +
      `${count(runs.reduce((n, r) => n + r.rejectedUpdates.length, 0))} live NULL amounts (an update read after a later NULL is rejected too); ` +
      'none written as 0 or a default');
    say(`stopped cleanly after ${formatDuration(Date.now() - began)}: source ${summarize(pipelines.map((p) => p.status))}; ` +
      `sink applied ${count(sink.records)} records (upserted ${count(sink.upserted)} rows, deleted ${count(sink.deleted)})`);
  } finally {
    if (pipeline) await pipeline.stop().catch(() => undefined);
    await mongo.close();
    await pool.end();
  }
  return 0;
}

/** Waits until every table holds a row per accepted seeded document. */
async function snapshot(watch: DemoWatch, pipeline: RunningPipeline, mappings: readonly Mapping[], docs: readonly GeneratedDoc[]): Promise<number> {
  const counts = tally(docs);
  const expected = new Map(mappings.map((m) => [m.table, counts.get(m.collection)?.accepted ?? 0]));
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  return waitFor('snapshot', pipeline, async () => {
    const rows = await watch.rows([...expected.keys()]);
    const have = [...rows.values()].reduce((a, b) => a + b, 0);
    const lag = await watch.lag();
    const parked = (await watch.parked()).reduce((n, p) => n + p.count, 0);
    return {
      done: [...expected].every(([t, n]) => rows.get(t) === n),
      line: `${count(have)} of ${count(total)} rows in ${expected.size} tables, ${lag.line}, ${count(parked)} changes parked`,
    };
  }, say);
}

async function perTable(watch: DemoWatch, mappings: readonly Mapping[], docs: readonly GeneratedDoc[]): Promise<void> {
  const counts = tally(docs);
  const rows = await watch.rows(mappings.map((m) => m.table));
  const children = await watch.rows(mappings.flatMap((m) => allChildMappings(m).map((c) => c.table)));
  const parked = new Map((await watch.parked()).map((p) => [p.table, p.count]));
  console.log(textTable([
    ['collection', 'table', 'rows', 'child-table rows', 'dead-lettered', 'parked'],
    ...mappings.map((m) => [
      m.collection,
      m.table,
      count(rows.get(m.table) ?? 0),
      count(allChildMappings(m).reduce((n, c) => n + (children.get(c.table) ?? 0), 0)),
      count(counts.get(m.collection)?.rejected ?? 0),
      count(parked.get(m.table) ?? 0),
    ]),
  ]));
}

/**
 * Waits until PostgreSQL holds exactly the rows the mappings make of MongoDB's
 * documents now (every table and child table), nothing waits in Kafka, and the
 * payments whose live update was rejected still have their row.
 */
async function converge(
  watch: DemoWatch, pipeline: RunningPipeline, db: Db, mappings: readonly Mapping[], orphans: ReadonlySet<string>, runs: LiveStats[],
): Promise<number> {
  const expected = (await acceptedDocuments(db, mappings, orphans)).tableRows;
  const kept = runs.reduce((n, r) => n + r.rejectedUpdates.length, 0);
  expected.set('payments', (expected.get('payments') ?? 0) + kept);
  return waitFor('catching up', pipeline, async () => {
    const rows = await watch.rows([...expected.keys()]);
    const differ = [...expected].filter(([t, n]) => rows.get(t) !== n);
    const lag = await watch.lag();
    const tables = differ.slice(0, 3).map(([t, n]) => `${t} ${count(rows.get(t) ?? 0)}/${count(n)}`).join(', ');
    return {
      done: differ.length === 0 && lag.recordsBehind === 0,
      line: differ.length === 0 ? `row counts equal in ${expected.size} tables, ${lag.line}` : `${differ.length} tables differ (${tables}${differ.length > 3 ? ', …' : ''}), ${lag.line}`,
    };
  }, say);
}

/** A payment with its purchase request and ledger entries, joined in SQL: the newest one the live mode moved. */
async function sample(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<Record<string, string>>(
    `WITH p AS (SELECT * FROM payments p WHERE EXISTS (SELECT 1 FROM funds_ledger_entries l WHERE l.payment_id = p.id)
                ORDER BY updated_at DESC LIMIT 1)
     SELECT p.legacy_id AS payment, p.status::text AS status, trim_scale(p.amount)::text AS amount, p.currency,
            pr.title AS purchase_request, pr.status::text AS request_status,
            l.entry_type::text AS ledger_entry, trim_scale(l.amount)::text AS entry_amount, l.escrow_state, l.created_at::text AS entry_at
     FROM p JOIN purchase_requests pr ON pr.id = p.purchase_request_id JOIN funds_ledger_entries l ON l.payment_id = p.id
     ORDER BY l.created_at`,
  );
  if (rows.length === 0) throw new Error('no payment with ledger entries in PostgreSQL: the sample join found nothing');
  say('a payment, its purchase request and its ledger entries, joined in PostgreSQL:');
  const columns = Object.keys(rows[0]!);
  console.log(textTable([columns, ...rows.map((r) => columns.map((c) => String(r[c] ?? 'NULL')))]));
}

async function stopped(pipeline: RunningPipeline) {
  const result = await pipeline.stop();
  if (pipeline.error) throw new Error('replication failed', { cause: pipeline.error });
  return result;
}

/** 'streaming ×24' style: each status with how many pipelines are in it. */
function summarize(statuses: string[]): string {
  const n = new Map<string, number>();
  for (const s of statuses) n.set(s, (n.get(s) ?? 0) + 1);
  return [...n].map(([s, k]) => `${k} ${s}`).join(', ');
}
