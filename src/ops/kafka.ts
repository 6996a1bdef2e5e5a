import { Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

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
        log[LEVELS[level] ?? 'info'](rest, message);
      },
  });
}

/** Creates missing topics; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another process may have created it between list and create.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
}
