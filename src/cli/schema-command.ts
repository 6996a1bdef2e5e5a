import { applyMigrations, ensureDatabase } from '../schema/index.js';
import { createLogger } from '../ops/logger.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';

export const schemaCommand: Command = {
  summary:
    'Apply the PostgreSQL target schema (schemas/sql) idempotently. Applied migrations are recorded with checksums;\n' +
    'a skipped or edited migration is an error, never silently passed over. --online, for a live database: indexes\n' +
    'are built CONCURRENTLY and FK/CHECK constraints added NOT VALID, then validated without blocking writes.\n' +
    '--dry-run prints the SQL it would run.',
  usage: 'tidemark schema apply [--dry-run] [--online] [--create-database] [--config <file>]',
  async run(argv) {
    const { values, positionals } = parse(argv, {
      'dry-run': { type: 'boolean' },
      online: { type: 'boolean' },
      'create-database': { type: 'boolean' },
    });
    if (positionals[0] !== 'apply') {
      console.error(`usage: ${this.usage}`);
      return 2;
    }
    const config = configFrom(values);
    const logger = createLogger({ level: config.log.level, name: 'tidemark-schema' });
    if (values['create-database']) await ensureDatabase(config.postgres.url);
    const result = await applyMigrations(config.postgres.url, config.postgres.schema, logger, {
      dryRun: values['dry-run'],
      online: values.online,
      print: (sql) => console.log(sql),
    });
    const verb = values['dry-run'] ? 'would apply' : 'applied';
    console.error(`${verb} ${result.applied.length} migration(s); ${result.alreadyApplied.length} already applied`);
    return 0;
  },
};
