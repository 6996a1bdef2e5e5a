import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Batch, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { AvroDecoder, createRegistry, envelopeType, type ChangeEnvelope } from '../envelope/index.js';
import type { Config } from '../ops/config.js';
import { ensureCollectionTopics, producerConfig } from '../ops/kafka.js';
import type { Logger } from '../ops/logger.js';
import { checkTargetTables, tableShapes } from '../schema/index.js';
import type { Mapping } from '../transform/index.js';
import { Applier, createApplier, type ApplyOutcome } from './apply.js';
import { newestPerKey, type Change, type Origin } from './changes.js';
import { sendDeadLetters, type Rejection } from './dead-letter.js';
import { decodeRecord } from './decode.js';
import { KafkaOffsetCopy } from './offset-copy.js';
import { beginLockingNextOffset, skipNonData, storeNextOffsetAndCommit, storedOffsets } from './offsets.js';
import type { SinkMetrics } from './metrics.js';
import { retryParked } from './parked-retry.js';
import { untilApplied } from './transient.js';

export interface SinkCounters {
  /** Records decoded and passed through the mapping. */
  records: number;
  /** Rows inserted or updated, and rows deleted (replayed or older versions change nothing). */
  upserted: number;
  deleted: number;
  /** Changes parked (waiting for a parent, or for references to a deleted row to go). */
  parked: number;
  rejected: number;
  batches: number;
}

export interface TopicPlan {
  mapping: Mapping;
}

/** One slice of a partition's batch, decoded and transformed, ready for its transaction. */
export interface DecodedSlice {
  topic: string;
  partition: number;
  plan: TopicPlan;
  /** Kafka records in the slice (tombstones and rejections included). */
  records: number;
  changes: Change[];
  rejections: Rejection[];
  /** The offset after the slice. */
  next: bigint;
  newestClusterMs: number | null;
}

/**
 * Replaces the PostgreSQL transaction of each slice. Only benchmarks pass one, to
 * time the consume path (fetch, decode, transform, batching) without the database.
 */
export type SliceWriter = (slice: DecodedSlice) => Promise<void>;

export interface SinkSeams {
  writeSlice?: SliceWriter;
}

/**
 * Applies one partition's batch: decode and transform outside the transaction,
 * then rows and the next offset in one PostgreSQL transaction (DESIGN decision 5).
 */
export class PartitionApplier {
  readonly counters: SinkCounters = { records: 0, upserted: 0, deleted: 0, parked: 0, rejected: 0, batches: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly groupId: string,
    private readonly plans: Map<string, TopicPlan>,
    private readonly applier: Applier,
    private readonly decoder: AvroDecoder<ChangeEnvelope>,
    private readonly deadLetters: Producer,
    private readonly log: Logger,
    private readonly metrics?: SinkMetrics,
    private readonly writeSlice?: SliceWriter,
  ) {}

  /** `next` is the offset after the slice: past trailing transaction markers on the last slice of a batch. */
  async apply(topic: string, partition: number, messages: Batch['messages'], next: bigint): Promise<void> {
    const plan = this.plans.get(topic);
    if (!plan || messages.length === 0) return;
    const changes: Change[] = [];
    const rejections: Rejection[] = [];
    let newestClusterMs: number | null = null;
    for (const message of messages) {
      const decoded = await decodeRecord(this.decoder, plan.mapping, topic, partition, message);
      if (decoded.kind === 'reject') rejections.push({ origin: originOf(topic, partition, message), headers: message.headers, reason: decoded.reason });
      if (decoded.kind !== 'change') continue;
      changes.push(decoded.change);
      newestClusterMs = Math.max(newestClusterMs ?? 0, decoded.envelope.source.clusterTimeSeconds * 1000);
    }
    const slice: DecodedSlice = { topic, partition, plan, records: messages.length, changes, rejections, next, newestClusterMs };
    await (this.writeSlice ? this.writeSlice(slice) : this.writeToPostgres(slice));
    this.log.debug({ topic, partition, records: messages.length, next: next.toString() }, 'batch applied');
  }

  /** Rows, dead letters and the next offset in one PostgreSQL transaction. */
  private async writeToPostgres({ topic, partition, plan, records, changes, rejections, next, newestClusterMs }: DecodedSlice): Promise<void> {
    const started = performance.now();
    const client = await this.pool.connect();
    try {
      const stored = (await beginLockingNextOffset(client, this.groupId, topic, partition)) ?? 0n;
      if (stored >= next) {
        await client.query('ROLLBACK');
        return; // applied already (replay after a rebalance or restart)
      }
      const fresh = changes.filter((c) => BigInt(c.origin.offset) >= stored);
      const outcome = await this.applier.apply(client, plan.mapping.table, newestPerKey(fresh));
      const refused = [
        ...rejections.filter((r) => BigInt(r.origin.offset) >= stored),
        ...outcome.rejected.map(({ change, reason }) => ({ origin: change.origin, reason })),
      ];
      // Dead letters go out before the commit: a crash in between repeats one, never loses one.
      await sendDeadLetters(this.deadLetters, refused);
      await storeNextOffsetAndCommit(client, this.groupId, topic, partition, next, newestClusterMs);
      this.count(topic, fresh.length, outcome, refused.length);
      this.metrics?.batchRecords.observe({ topic }, records);
      this.metrics?.applySeconds.observe({ topic }, (performance.now() - started) / 1000);
      this.metrics?.applied(topic, newestClusterMs);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  count(topic: string, records: number, outcome: ApplyOutcome, rejected: number): void {
    this.counters.records += records;
    this.counters.upserted += outcome.upserted;
    this.counters.deleted += outcome.deleted;
    this.counters.parked += outcome.parked;
    this.counters.rejected += rejected;
    this.counters.batches += 1;
    if (!this.metrics) return;
    this.metrics.records.inc({ topic }, records);
    this.metrics.rowsWritten.inc({ topic, kind: 'upserted' }, outcome.upserted);
    this.metrics.rowsWritten.inc({ topic, kind: 'deleted' }, outcome.deleted);
    this.metrics.rejected.inc({ topic }, rejected);
  }
}

function originOf(topic: string, partition: number, message: KafkaMessage): Origin {
  return { topic, partition, offset: message.offset, key: message.key ?? null, value: message.value };
}

export async function runSink(
  config: Config,
  logger: Logger,
  kafka: Kafka,
  mappings: Mapping[],
  topicOf: (collection: string) => string,
  signal: AbortSignal,
  metrics?: SinkMetrics,
  seams: SinkSeams = {},
): Promise<SinkCounters> {
  const log = logger.child({ stage: 'sink' });
  // tidemark's state tables sit in the target schema; search_path finds them.
  const pool = new pg.Pool({
    connectionString: config.postgres.url,
    // One connection per partition applied at once, one for the parked-change retry.
    max: config.sink.concurrentPartitions + 1,
    // JIT off: on small batches its compile time (hundreds of ms, measured on the parked-change
    // retry and the merge) dwarfs the statements it speeds up; estimates on tables autovacuum
    // has not analysed yet make the planner reach for it often.
    options: `-c search_path=${config.postgres.schema} -c jit=off`,
    application_name: `tidemark-sink ${config.sink.groupId}`,
  });
  // A connection that dies (restart, failover) fails the query in flight, which retries
  // the batch; the error event itself must not take the process down, idle or checked out.
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection failed; the pool replaces it'));
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err }, 'PostgreSQL connection failed')));
  let applier: Applier;
  try {
    // Mappings that do not fit the tables stop start-up before anything is consumed.
    await checkTargetTables(pool, config.postgres.schema, tableShapes(mappings));
    applier = await createApplier(pool, mappings, config.postgres.schema);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const plans = new Map<string, TopicPlan>(mappings.map((m) => [topicOf(m.collection), { mapping: m }]));
  const topics = [...plans.keys()];
  const groupId = config.sink.groupId;
  const sessionTimeout = config.sink.sessionTimeoutMs;
  const heartbeatInterval = Math.min(3_000, Math.floor(sessionTimeout / 3));
  const consumer: Consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout,
    heartbeatInterval,
    maxBytesPerPartition: config.sink.fetchMaxBytesPerPartition,
    maxBytes: config.sink.fetchMaxBytes,
  });
  const deadLetters = kafka.producer(producerConfig());
  const decoder = new AvroDecoder<ChangeEnvelope>(createRegistry(config.schemaRegistry.url), envelopeType);
  const partitions = new PartitionApplier(pool, groupId, plans, applier, decoder, deadLetters, log, metrics, seams.writeSlice);
  const offsetCopy = new KafkaOffsetCopy(consumer, log);
  const stopRetrying = new AbortController();
  let retrying: Promise<void> = Promise.resolve();

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
      // Partitions apply side by side on their own connections: a batch waits on PostgreSQL
      // round trips and fsync far more than on this process's CPU.
      partitionsConsumedConcurrently: config.sink.concurrentPartitions,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const size = config.sink.maxBatchRecords;
        for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += size) {
          const slice = batch.messages.slice(i, i + size);
          const lastSlice = i + size >= batch.messages.length;
          // batch.lastOffset() also covers control records (commit markers) after the last message.
          const last = lastSlice ? batch.lastOffset() : slice[slice.length - 1]!.offset;
          // A long apply (a parent waking many parked children, a slow disk) must not
          // cost the partitions: keep heartbeating while it runs.
          const beating = setInterval(() => heartbeat().catch(() => undefined), heartbeatInterval);
          try {
            await untilApplied(() => partitions.apply(batch.topic, batch.partition, slice, BigInt(last) + 1n), {
              log,
              what: { topic: batch.topic, partition: batch.partition, offset: slice[0]!.offset },
              keepGoing: () => isRunning() && !isStale(),
              between: heartbeat,
            });
          } finally {
            clearInterval(beating);
          }
          resolveOffset(last);
          offsetCopy.note(batch.topic, batch.partition, BigInt(last) + 1n);
          metrics?.consumerLag.set({ topic: batch.topic, partition: batch.partition }, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n));
          await heartbeat();
        }
      },
    });
    retrying = retryParkedForever(pool, applier, deadLetters, config, log, stopRetrying.signal, metrics);
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
    stopRetrying.abort();
    await retrying;
    await offsetCopy.flush();
    await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
    await deadLetters.disconnect().catch(() => undefined);
    await pool.end();
  }
  log.info(partitions.counters, 'sink stopped');
  return partitions.counters;
}

/** Retries parked changes every sink.parkedRetryIntervalMs until stopped; a failed round is logged and repeated. */
async function retryParkedForever(
  pool: pg.Pool,
  applier: Applier,
  deadLetters: Producer,
  config: Config,
  log: Logger,
  signal: AbortSignal,
  metrics?: SinkMetrics,
): Promise<void> {
  const policy = {
    retryIntervalMs: config.sink.parkedRetryIntervalMs,
    maxAgeMs: config.sink.parkedMaxAgeMs,
    onExpired: config.sink.onParkedExpired,
  } as const;
  while (!signal.aborted) {
    try {
      await sleep(config.sink.parkedRetryIntervalMs, undefined, { signal });
      await retryParked(pool, applier, deadLetters, policy, log, metrics);
    } catch (err) {
      if (!signal.aborted) log.warn({ err }, 'retrying parked changes failed; trying again next round');
    }
  }
}
