import { Kafka, Partitioners, logLevel, type Admin, type ITopicConfig, type LogEntry, type Message, type ProducerConfig } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { retrying } from './retry.js';

/** `<prefix>.<db>.<collection>`: one topic per collection (DESIGN decision 1). */
export function topicFor(config: Config, collection: string): string {
  return `${config.kafka.topicPrefix}.${config.mongo.database}.${collection}`;
}

export function deadLetterTopicFor(topic: string): string {
  return `${topic}.dlq`;
}

/** Compacted topic holding each collection's source position (DESIGN decision 3 / issue 3). */
export function sourceStateTopic(config: Config): string {
  return `${config.kafka.topicPrefix}.${config.mongo.database}._source_state`;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(config: Config, logger: Logger, clientSuffix = ''): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: `${config.kafka.clientId}${clientSuffix}`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[kafkajsLogLevel(level, message, rest)](rest, message);
      },
  });
}

/** A transaction begun while the broker still writes the previous one's markers: retried in a few ms. */
const MARKERS_PENDING = /concurrent operation on the same transaction/;

/**
 * Our level for a kafkajs log line. kafkajs logs each retriable broker response (coordinator
 * loading, leader moved) as an error and then retries it; only what it gives up on reaches
 * our code as an error, so a retry is a warning. A source beginning its next transaction
 * right after a commit meets CONCURRENT_TRANSACTIONS routinely (dozens a minute on a busy
 * stream): its first retries are debug, a longer run of them a warning.
 */
export function kafkajsLogLevel(level: number, message: unknown, rest: Record<string, unknown>): 'error' | 'warn' | 'info' | 'debug' {
  if (level !== logLevel.ERROR) return LEVELS[level] ?? 'info';
  if (typeof message === 'string' && message.startsWith('Response ')) return 'debug';
  if (!('retryCount' in rest)) return 'error';
  const routine = typeof message === 'string' && MARKERS_PENDING.test(message) && Number(rest.retryCount) < 3;
  return routine ? 'debug' : 'warn';
}

/**
 * A MongoDB document may be 16 MiB; its record (envelope + headers) must fit, while
 * the broker's default limit is 1 MB per record batch.
 */
export const MAX_RECORD_BYTES = 20 * 1024 * 1024;
const LARGE_RECORDS = [{ name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) }];

/** Bytes per produce request: records are split so one request never nears the broker's batch limit. */
const SEND_CHUNK_BYTES = 512 * 1024;

/** Splits records into sends of at most ~512 KB each (a larger record travels alone). */
export function chunkBySize(messages: readonly Message[]): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m.key) + sizeOf(m.value) + 64;
    if (current.length > 0 && bytes + size > SEND_CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function sizeOf(v: Message['key'] | Message['value']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/**
 * The topics of the given collections (data, dead-letter, and the source's
 * state topic), created if missing with the configured partitions. Source and
 * sink both call it, so either may start first.
 */
export async function ensureCollectionTopics(kafka: Kafka, config: Config, collections: string[]): Promise<void> {
  const numPartitions = config.kafka.partitions;
  const replicationFactor = config.kafka.replicationFactor;
  const topics = collections.map((c) => topicFor(config, c));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [
      ...topics.map((topic) => ({ topic, numPartitions, replicationFactor, configEntries: LARGE_RECORDS })),
      ...topics.map((t) => ({ topic: deadLetterTopicFor(t), numPartitions, replicationFactor, configEntries: LARGE_RECORDS })),
      {
        topic: sourceStateTopic(config),
        numPartitions: 1,
        replicationFactor,
        // Heartbeats write a record per collection every source.heartbeatIntervalMs; short
        // segments let compaction keep the topic (read in full at every start) small.
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '600000' },
        ],
      },
    ]);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Settings for every producer: the Java client's murmur2 partitioner (a key lands
 * where Java producers would put it) and unbounded retries, which idempotence
 * needs to keep its exactly-once guarantee through a broker outage.
 */
export function producerConfig(extra: ProducerConfig = {}): ProducerConfig {
  return {
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    ...extra,
  };
}

/** Creates missing topics and waits until each partition has a leader; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    // A broker that has just started may not know its own new topics' partitions yet
    // (UNKNOWN_TOPIC_OR_PARTITION, retriable): try again; waitForLeaders below does the waiting.
    await retrying(async () => {
      try {
        await admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (err) {
        // Another process (a sink starting beside the source), or an earlier try, may have created them first.
        const errors = (err as { errors?: Array<{ type?: string }> }).errors ?? [err as { type?: string }];
        if (!errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) throw err;
      }
    }, { timeoutMs: 60_000 });
  }
  // A topic another process has just created may not have its leaders yet.
  await waitForLeaders(admin, topics.map((t) => t.topic));
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
