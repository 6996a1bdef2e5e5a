import type pg from 'pg';
import { startPipeline, type RunningPipeline } from '../../src/cli/pipeline.js';
import type { Config } from '../../src/ops/config.js';
import type { Logger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { loadMappings, type Mapping } from '../../src/transform/index.js';
import { generateWorkload, tally, type GeneratedDoc } from '../../src/workload/index.js';
import { eventually, isolatedConfig, migratedPool } from './isolated.js';

export interface Replica {
  config: Config;
  pool: pg.Pool;
  mappings: Mapping[];
  docs: GeneratedDoc[];
  pipeline: RunningPipeline;
}

/**
 * A seeded Amanat workload in MongoDB replicated by source and sink running in this
 * process, returned once every accepted document is a row and every orphan is parked.
 */
export async function workloadReplica(label: string, logger: Logger, purchaseRequests: number, overrides: (c: Config) => Partial<Config> = () => ({})): Promise<Replica> {
  const config = await isolatedConfig(label, (c) => ({
    connectors: { ...c.connectors, include: [] },
    sink: { ...c.sink, parkedRetryIntervalMs: 1000 },
    ...overrides(c),
  }));
  const pool = await migratedPool(config);
  const mappings = loadMappings(config.connectors.dir);
  const docs = generateWorkload({ seed: 20261201, purchaseRequests });
  const counts = tally(docs);
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  try {
    for (const [collection] of counts) {
      await mongo.db(config.mongo.database).collection(collection).insertMany(docs.filter((d) => d.collection === collection).map((d) => d.doc));
    }
  } finally {
    await mongo.close();
  }
  const pipeline = startPipeline(config, logger, mappings);
  const orphans = docs.filter((d) => d.expect === 'orphan').length;
  await eventually(
    'every accepted document applied and every orphan parked',
    async () => {
      if (pipeline.error) throw pipeline.error;
      for (const m of mappings) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${m.table}`);
        if (rows[0].n !== (counts.get(m.collection)?.accepted ?? 0)) return undefined;
      }
      const parked = await pool.query('SELECT count(*)::int AS n FROM tidemark_parked');
      return parked.rows[0].n === orphans ? true : undefined;
    },
    240_000,
  );
  return { config, pool, mappings, docs, pipeline };
}
