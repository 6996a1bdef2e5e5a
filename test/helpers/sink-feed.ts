import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, type Document } from 'bson';
import type { Kafka, Message, Producer } from 'kafkajs';
import type pg from 'pg';
import { createRegistry, envelopeType, frame, registerEnvelope, type ChangeEnvelope, type Op } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { createKafka, ensureCollectionTopics, producerConfig, topicFor } from '../../src/ops/kafka.js';
import type { Logger } from '../../src/ops/logger.js';
import { runSink, type SinkCounters } from '../../src/sink/index.js';
import { canonicalKey, loadMappings } from '../../src/transform/index.js';
import { configFileEnv } from './child-process.js';
import { eventually, isolatedConfig, migratedPool } from './isolated.js';

export { stopChild } from './child-process.js';

/** A source version: cluster time (t, i) and ordinal, as the sink's guards compare them. */
export interface Version {
  t: number;
  i?: number;
  ord?: number;
}

/** `_tm_ts` as the sink stores it for a version. */
export const tmTs = (v: Version): string => ((BigInt(v.t) << 32n) | BigInt(v.i ?? 1)).toString();

export function changeEnvelope(config: Config, op: Op, id: unknown, doc: Document | null, v: Version, collection = 'payments'): ChangeEnvelope {
  return {
    op,
    key: canonicalKey(id),
    document: doc === null ? null : Buffer.from(BSON.serialize(doc)),
    updateDescription: null,
    source: {
      db: config.mongo.database,
      collection,
      clusterTimeSeconds: v.t,
      clusterTimeIncrement: v.i ?? 1,
      ordinal: v.ord ?? 0,
      resumeToken: null,
      txnNumber: null,
      lsid: null,
      snapshot: op === 'r',
    },
    eventTimeMs: v.t * 1000,
    emittedAtMs: Date.now(),
  };
}

/**
 * Produces records to a collection's topic (payments unless told) the way the source does: Confluent-framed
 * Avro envelopes keyed by the canonical _id, a delete followed by a tombstone, each
 * call one Kafka transaction (the sink reads read-committed).
 */
export class EnvelopeFeed {
  private constructor(
    private readonly producer: Producer,
    readonly topic: string,
    readonly schemaId: number,
  ) {}

  static async open(kafka: Kafka, config: Config, transactionalId: string, collection = 'payments'): Promise<EnvelopeFeed> {
    const topic = topicFor(config, collection);
    const schemaId = await registerEnvelope(createRegistry(config.schemaRegistry.url), topic);
    const producer = kafka.producer(producerConfig({ transactionalId, maxInFlightRequests: 1 }));
    await producer.connect();
    return new EnvelopeFeed(producer, topic, schemaId);
  }

  message(e: ChangeEnvelope): Message {
    return { key: e.key, value: frame(this.schemaId, envelopeType.toBuffer(e)) };
  }

  messagesOf(envelopes: ChangeEnvelope[]): Message[] {
    return envelopes.flatMap((e) => (e.op === 'd' ? [this.message(e), { key: e.key, value: null }] : [this.message(e)]));
  }

  /** One committed transaction (or an aborted one, whose records read-committed consumers never see). */
  async send(messages: Message[], opts: { abort?: boolean } = {}): Promise<void> {
    const tx = await this.producer.transaction();
    try {
      await tx.send({ topic: this.topic, messages });
      await (opts.abort ? tx.abort() : tx.commit());
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }

  sendEnvelopes(envelopes: ChangeEnvelope[], opts: { abort?: boolean } = {}): Promise<void> {
    return this.send(this.messagesOf(envelopes), opts);
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** True once the sink's stored offsets reach every partition's end (high watermark) of `topic`. */
export async function sinkCaughtUp(kafka: Kafka, pool: pg.Pool, config: Config, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; high: string }>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM tidemark_sink_offsets WHERE group_id = $1 AND topic = $2',
    [config.sink.groupId, topic],
  );
  const stored = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  return ends.every((e) => BigInt(e.high) === 0n || (stored.get(e.partition) ?? -1n) >= BigInt(e.high));
}

/**
 * Runs the payments sink in this process until its stored offsets reach the end of
 * the payments topic, then stops it the way SIGTERM does; its counters.
 */
export async function runPaymentsSinkUntilCaughtUp(config: Config, logger: Logger, kafka: Kafka, pool: pg.Pool): Promise<SinkCounters> {
  const controller = new AbortController();
  const mappings = loadMappings(config.connectors.dir, ['payments']);
  const running = runSink(config, logger, createKafka(config, logger, '-sink'), mappings, (c) => topicFor(config, c), controller.signal);
  let failed: unknown;
  running.catch((err) => (failed = err));
  try {
    await eventually(
      'sink caught up',
      async () => {
        if (failed) throw failed;
        return (await sinkCaughtUp(kafka, pool, config, topicFor(config, 'payments'))) ? true : undefined;
      },
      60_000,
    );
  } finally {
    controller.abort();
  }
  return running;
}

/** A config file for the built CLI holding the isolated settings of `config`. */
export function sinkConfigFile(config: Config, extra: Record<string, unknown> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tidemark-sink-')), 'sink.json');
  writeFileSync(
    file,
    JSON.stringify({
      mongo: { database: config.mongo.database },
      kafka: { topicPrefix: config.kafka.topicPrefix, partitions: config.kafka.partitions },
      postgres: { schema: config.postgres.schema },
      connectors: { include: ['payments'] },
      sink: { groupId: config.sink.groupId, maxBatchRecords: config.sink.maxBatchRecords, sessionTimeoutMs: config.sink.sessionTimeoutMs },
      log: { level: process.env.SINK_TEST_LOG ?? 'warn' },
      ...extra,
    }),
  );
  return file;
}

/**
 * The built CLI's sink as a child process. The environment's overrides of the
 * settings in the file are removed so the file's isolated values apply.
 */
export function spawnSink(configFile: string, onUnexpectedExit: (err: Error) => void): ChildProcess {
  const child = spawn('node', ['bin/tidemark.js', 'sink', '--config', configFile], {
    env: configFileEnv(),
    stdio: ['ignore', process.env.SINK_TEST_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (signal === null) onUnexpectedExit(new Error(`sink exited by itself with code ${code}`));
  });
  return child;
}

/** A payments sink test's isolated config, migrated PostgreSQL schema and Kafka client, topics created. */
export async function openPaymentsSinkBed(label: string, logger: Logger): Promise<{ config: Config; pool: pg.Pool; kafka: Kafka }> {
  const config = await isolatedConfig(label, (c) => ({ connectors: { ...c.connectors, include: ['payments'] } }));
  const pool = await migratedPool(config);
  const kafka = createKafka(config, logger, '-test');
  await ensureCollectionTopics(kafka, config, ['payments']);
  return { config, pool, kafka };
}
