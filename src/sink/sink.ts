import pg from 'pg';
import type { Batch, Consumer, Kafka, Producer } from 'kafkajs';
import { AvroDecoder, createRegistry, envelopeType, type ChangeEnvelope } from '../envelope/index.js';
import type { Config } from '../ops/config.js';
import { ensureCollectionTopics, producerConfig } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import type { Mapping } from '../transform/index.js';
import { applyChanges } from './apply.js';
import { newestPerKey, type Change } from './changes.js';
import { sendDeadLetters, type Rejection } from './dead-letter.js';
import { decodeRecord } from './decode.js';
import { lockedNextOffset, skipNonData, storeNextOffset, storedOffsets } from './offsets.js';
import { tableStatements, type TableStatements } from './sql.js';
import type { SinkMetrics } from './metrics.js';

interface TopicPlan {
  mapping: Mapping;
  sql: TableStatements;
}

export interface SinkCounters {
  /** Records decoded and passed through the mapping. */
  records: number;
  /** Rows inserted or updated, and rows deleted (replayed or older versions change nothing). */
  upserted: number;
  deleted: number;
  rejected: number;
  batches: number;
}

/**
 * Applies one partition's batch: decode and transform outside the transaction,
 * then rows and the next offset in one PostgreSQL transaction (DESIGN decision 5).
 */
export class PartitionApplier {
  readonly counters: SinkCounters = { records: 0, upserted: 0, deleted: 0, rejected: 0, batches: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly groupId: string,
    private readonly plans: Map<string, TopicPlan>,
    private readonly decoder: AvroDecoder<ChangeEnvelope>,
    private readonly deadLetters: Producer,
    private readonly log: Logger,
    private readonly metrics?: SinkMetrics,
  ) {}

  /** `next` is the offset after the slice: past trailing transaction markers on the last slice of a batch. */
  async apply(topic: string, partition: number, messages: Batch['messages'], next: bigint): Promise<void> {
    const plan = this.plans.get(topic);
    if (!plan || messages.length === 0) return;
    const changes: Change[] = [];
    const rejections: Rejection[] = [];
    let newestClusterMs: number | null = null;
    for (const message of messages) {
      const decoded = await decodeRecord(this.decoder, plan.mapping, partition, message);
      if (decoded.kind === 'reject') rejections.push({ topic, partition, message, reason: decoded.reason });
      if (decoded.kind !== 'change') continue;
      changes.push(decoded.change);
      newestClusterMs = Math.max(newestClusterMs ?? 0, decoded.envelope.source.clusterTimeSeconds * 1000);
    }
    const started = performance.now();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const stored = (await lockedNextOffset(client, this.groupId, topic, partition)) ?? 0n;
      if (stored >= next) {
        await client.query('ROLLBACK');
        return; // applied already (replay after a rebalance or restart)
      }
      const fresh = changes.filter((c) => BigInt(c.offset) >= stored);
      const freshRejections = rejections.filter((r) => BigInt(r.message.offset) >= stored);
      // Dead letters go out before the commit: a crash in between repeats one, never loses one.
      await sendDeadLetters(this.deadLetters, freshRejections);
      const written = await applyChanges(client, plan.sql, newestPerKey(fresh));
      await storeNextOffset(client, this.groupId, topic, partition, next, newestClusterMs);
      await client.query('COMMIT');
      this.counters.records += fresh.length;
      this.counters.upserted += written.upserted;
      this.counters.deleted += written.deleted;
      this.counters.rejected += freshRejections.length;
      this.counters.batches += 1;
      if (this.metrics) {
        this.metrics.records.inc({ topic }, fresh.length);
        this.metrics.rowsWritten.inc({ topic, kind: 'upserted' }, written.upserted);
        this.metrics.rowsWritten.inc({ topic, kind: 'deleted' }, written.deleted);
        this.metrics.rejected.inc({ topic }, freshRejections.length);
        this.metrics.batchRecords.observe({ topic }, messages.length);
        this.metrics.applySeconds.observe({ topic }, (performance.now() - started) / 1000);
        this.metrics.applied(topic, newestClusterMs);
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    this.log.debug({ topic, partition, records: messages.length, rejected: rejections.length, next: next.toString() }, 'batch applied');
  }
}

export async function runSink(
  config: Config,
  logger: Logger,
  kafka: Kafka,
  mappings: Mapping[],
  topicOf: (collection: string) => string,
  signal: AbortSignal,
  metrics?: SinkMetrics,
): Promise<SinkCounters> {
  const log = logger.child({ stage: 'sink' });
  // tidemark's state tables sit in the target schema; search_path finds them.
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 4, options: `-c search_path=${config.postgres.schema}` });
  const plans = new Map<string, TopicPlan>(
    mappings.map((m) => [
      topicOf(m.collection),
      { mapping: m, sql: tableStatements(m, config.postgres.schema) },
    ]),
  );
  const topics = [...plans.keys()];
  const groupId = config.sink.groupId;
  const sessionTimeout = config.sink.sessionTimeoutMs;
  const heartbeatInterval = Math.min(3_000, Math.floor(sessionTimeout / 3));
  const consumer: Consumer = kafka.consumer({ groupId, readUncommitted: false, sessionTimeout, heartbeatInterval });
  const deadLetters = kafka.producer(producerConfig());
  const decoder = new AvroDecoder<ChangeEnvelope>(createRegistry(config.schemaRegistry.url), envelopeType);
  const applier = new PartitionApplier(pool, groupId, plans, decoder, deadLetters, log, metrics);

  try {
    await ensureCollectionTopics(kafka, config, mappings.map((m) => m.collection));
    await Promise.all([consumer.connect(), deadLetters.connect()]);
    // kafkajs restarts the consumer after retriable errors; a crash it will not restart
    // from must stop the process (its supervisor restarts it), never leave it idle.
    const crashed = new Promise<never>((_, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
        if (!payload.restart) reject(payload.error);
      });
    });
    crashed.catch(() => undefined); // observed by the race below
    // On every assignment, resume from the offsets stored in PostgreSQL.
    consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
      const assigned = Object.keys(payload.memberAssignment);
      for (const o of await storedOffsets(pool, groupId, assigned)) {
        if ((payload.memberAssignment[o.topic] ?? []).includes(o.partition)) {
          consumer.seek({ topic: o.topic, partition: o.partition, offset: o.nextOffset });
        }
      }
    });
    // Batches holding only transaction markers or aborted records never reach
    // eachBatch; moving the stored offset past them keeps lag at zero when caught up.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize > 0) return;
      skipNonData(pool, groupId, payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n).catch((err) =>
        log.warn({ err, topic: payload.topic, partition: payload.partition }, 'could not record skipped transaction markers'),
      );
    });
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const size = config.sink.maxBatchRecords;
        for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += size) {
          const slice = batch.messages.slice(i, i + size);
          const lastSlice = i + size >= batch.messages.length;
          // batch.lastOffset() also covers control records (commit markers) after the last message.
          const last = lastSlice ? batch.lastOffset() : slice[slice.length - 1]!.offset;
          await applier.apply(batch.topic, batch.partition, slice, BigInt(last) + 1n);
          resolveOffset(last);
          // Kafka's copy of the offset is for lag tools; PostgreSQL's is the truth.
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
          await heartbeat();
        }
      },
    });
    log.info({ topics, groupId }, 'sink started');
    await Promise.race([
      crashed,
      new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    log.info('stopping: finishing the current batch');
  } finally {
    await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
    await deadLetters.disconnect().catch(() => undefined);
    await pool.end();
  }
  log.info(applier.counters, 'sink stopped');
  return applier.counters;
}
