import type { Config } from '../ops/config.js';
import type { Logger } from '../ops/logger.js';
import { createKafka, ensureCollectionTopics, sourceStateTopic, topicFor } from '../ops/kafka.js';
import { createMongoClient } from '../ops/mongo.js';
import { createRegistry, registerEnvelope } from '../envelope/index.js';
import { CollectionSource } from './collection-source.js';
import { loadSourceStates, stateKey } from './state.js';

export { CollectionSource, isHistoryLost, isRetriableSourceError } from './collection-source.js';
export type { CollectionSourceDeps, PipelineStatus } from './collection-source.js';
export { envelopeMessages, TransactionalWriter } from './transactional-writer.js';
export type { RecordWriter, WriterTarget } from './transactional-writer.js';
export { envelopeFromEvent, envelopeFromSnapshot } from './events.js';
export type { ChangeEvent } from './events.js';
export { registerSourceMetrics } from './metrics.js';
export type { SourceState } from './state.js';
export { loadSourceStates, sourceCaughtUpMs, stateKey } from './state.js';

export interface SourceOptions {
  /** Collections to snapshot again from scratch; the others resume where they stopped. */
  resnapshot?: string[];
  /** Called once the pipelines exist, e.g. to serve their metrics and health. */
  observe?: (pipelines: CollectionSource[]) => void;
}

/**
 * `tidemark source`: one independent pipeline per collection. A failing
 * collection is logged and marked failed; the others keep going.
 */
export async function runSource(
  config: Config,
  logger: Logger,
  collections: string[],
  signal: AbortSignal,
  opts: SourceOptions = {},
): Promise<{ pipelines: CollectionSource[] }> {
  const log = logger.child({ stage: 'source' });
  const kafka = createKafka(config, log, '-source');
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  try {
    const stateTopic = sourceStateTopic(config);
    await ensureCollectionTopics(kafka, config, collections);
    const registry = createRegistry(config.schemaRegistry.url);
    const db = mongo.db(config.mongo.database);
    const key = (name: string) => stateKey(config.mongo.database, name);
    const pipelines = await Promise.all(
      collections.map(async (name) => {
        const topic = topicFor(config, name);
        const schemaId = await registerEnvelope(registry, topic);
        const reloadState = async () => (await loadSourceStates(kafka, stateTopic)).get(key(name));
        return new CollectionSource(name, { config, db, kafka, topic, stateTopic, schemaId, logger: log, reloadState });
      }),
    );
    // Producers first: connecting fences a crashed predecessor and aborts its open
    // transaction, so the state topic can be read to its end.
    opts.observe?.(pipelines);
    await Promise.all(pipelines.map((p) => p.connect()));
    const states = await loadSourceStates(kafka, stateTopic);
    log.info({ collections, resnapshot: opts.resnapshot ?? [] }, 'source started');
    const progress = setInterval(progressLogger(log, pipelines), 10_000);
    const results = await Promise.allSettled(
      pipelines.map((p) => p.run(signal, states.get(key(p.name)), { resnapshot: opts.resnapshot?.includes(p.name) })),
    );
    clearInterval(progress);
    const failed = results.filter((r) => r.status === 'rejected').length;
    log.info({ failed, statuses: Object.fromEntries(pipelines.map((p) => [p.name, p.status])) }, 'source finished');
    return { pipelines };
  } finally {
    await mongo.close();
  }
}

/** Logs per collection: state, events/s since the last line, snapshot progress, source lag. */
function progressLogger(log: Logger, pipelines: CollectionSource[]): () => void {
  const last = new Map<string, { events: number; at: number }>();
  return () => {
    const now = Date.now();
    for (const p of pipelines) {
      const prev = last.get(p.name);
      const rate = prev ? ((p.eventsProduced - prev.events) * 1000) / Math.max(1, now - prev.at) : null;
      last.set(p.name, { events: p.eventsProduced, at: now });
      const sourceLagMs = p.readUpToMs === null ? null : Math.max(0, now - p.readUpToMs);
      const eventsPerSecond = rate === null ? null : Math.round(rate);
      log.info({ collection: p.name, status: p.status, eventsPerSecond, snapshot: p.snapshot, sourceLagMs, reason: p.reason }, 'source progress');
    }
  };
}
