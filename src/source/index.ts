import type { Config } from '../ops/config.js';
import type { Logger } from '../ops/logger.js';
import { createKafka, ensureCollectionTopics, sourceStateTopic, topicFor } from '../ops/kafka.js';
import { createMongoClient } from '../ops/mongo.js';
import { createRegistry, registerEnvelope } from '../envelope/index.js';
import { CollectionSource } from './collection-source.js';
import { loadSourceStates, stateKey } from './state.js';

export { CollectionSource } from './collection-source.js';
export type { SourceState } from './state.js';

/**
 * `tidemark source`: one independent pipeline per collection. A failing
 * collection is logged and marked failed; the others keep going.
 */
export async function runSource(
  config: Config,
  logger: Logger,
  collections: string[],
  signal: AbortSignal,
): Promise<{ pipelines: CollectionSource[] }> {
  const log = logger.child({ stage: 'source' });
  const kafka = createKafka(config, log, '-source');
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  try {
    const stateTopic = sourceStateTopic(config);
    const topics = collections.map((c) => topicFor(config, c));
    await ensureCollectionTopics(kafka, config, collections);
    const registry = createRegistry(config.schemaRegistry.url);
    const states = await loadSourceStates(kafka, stateTopic);
    const db = mongo.db(config.mongo.database);
    const pipelines = await Promise.all(
      collections.map(async (name, i) => {
        const topic = topics[i]!;
        const schemaId = await registerEnvelope(registry, topic);
        const state = states.get(stateKey(config.mongo.database, name));
        return new CollectionSource(name, { config, db, kafka, topic, stateTopic, schemaId, logger: log }, state);
      }),
    );
    log.info({ collections }, 'source started');
    const results = await Promise.allSettled(pipelines.map((p) => p.run(signal)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    log.info({ failed, stopped: pipelines.filter((p) => p.status === 'stopped').map((p) => p.name) }, 'source finished');
    return { pipelines };
  } finally {
    await mongo.close();
  }
}
