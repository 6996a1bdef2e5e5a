// `tidemark demo seed`: the generated Amanat workload into the configured MongoDB database.
import { createMongoClient } from '../ops/mongo.js';
import { generateWorkload, nonEmptyCollections, seedWorkload } from '../workload/index.js';
import { configFrom, parse } from './args.js';
import { startService } from './context.js';
import { WORKLOAD_OPTIONS, workloadOptions, noPositionals } from './demo-options.js';
import { count, say, workloadTable } from './demo-output.js';

export async function runDemoSeed(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...WORKLOAD_OPTIONS, drop: { type: 'boolean' } });
  noPositionals(positionals);
  const { purchaseRequests, seed } = workloadOptions(values);
  const { config } = await startService(configFrom(values), 'demo', ['mongo']);
  const mongo = createMongoClient(config.mongo.url);
  await mongo.connect();
  try {
    const db = mongo.db(config.mongo.database);
    const present = await nonEmptyCollections(db);
    if (present.length > 0 && !values.drop) {
      console.error(
        `tidemark demo seed: MongoDB database '${config.mongo.database}' is not empty ` +
          `(${present.map((p) => `${p.collection}: ${count(p.documents)}`).join(', ')}); --drop replaces it`,
      );
      return 1;
    }
    if (present.length > 0) {
      await db.dropDatabase();
      say(`dropped MongoDB database '${config.mongo.database}' (${present.length} collections)`);
    }
    const started = Date.now();
    const docs = generateWorkload({ seed, purchaseRequests });
    const written = await seedWorkload(db, docs);
    say(`seeded MongoDB database '${config.mongo.database}' (seed ${seed}, ${count(purchaseRequests)} purchase requests): ` +
      `${count(docs.length)} documents in ${written.size} collections in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(workloadTable(docs));
    say('expected in PostgreSQL: one row per accepted document; rejected ones go to <topic>.dlq with the reason; ' +
      'orphans (a reference to a parent that never exists) stay parked, then are reported');
    return 0;
  } finally {
    await mongo.close();
  }
}
