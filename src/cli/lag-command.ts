import pg from 'pg';
import { measureLag } from '../lag/index.js';
import { createKafka, topicFor } from '../ops/kafka.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

export const lagCommand: Command = {
  summary: 'Per-collection lag: Kafka records not yet applied (from offsets stored in PostgreSQL) and the age of the newest applied change.',
  usage: 'tidemark lag [--config <file>] [--json]',
  async run(argv) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const { config, logger, mappings } = await startService(configFrom(values), 'lag', ['kafka', 'postgres']);
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1, options: `-c search_path=${config.postgres.schema}` });
    try {
      const lags = await measureLag(
        createKafka(config, logger, '-lag'),
        pool,
        config.sink.groupId,
        mappings.map((m) => ({ collection: m.collection, topic: topicFor(config, m.collection) })),
      );
      if (values.json) console.log(JSON.stringify({ collections: lags }, null, 2));
      else console.table(lags.map((l) => ({ collection: l.collection, behind: l.recordsBehind, applyLagMs: l.applyLagMs })));
      return 0;
    } finally {
      await pool.end();
    }
  },
};
