import { runSource } from '../source/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

export const sourceCommand: Command = {
  summary:
    'Run the source: for each configured collection, record the stream start, snapshot in _id order in resumable\n' +
    'chunks, then follow its change stream into <prefix>.<db>.<collection>, exactly once (Kafka transactions).\n' +
    'SIGTERM finishes the in-flight transaction and exits 0.',
  usage: 'tidemark source [--config <file>]',
  async run(argv) {
    const { values } = parse(argv, {});
    const { config, logger, mappings } = await startService(configFrom(values), 'source', ['mongo', 'kafka', 'schemaRegistry']);
    const signal = shutdownSignal((sig) => logger.info({ signal: sig }, 'stopping'));
    const { pipelines } = await runSource(config, logger, mappings.map((m) => m.collection), signal);
    return pipelines.some((p) => p.status === 'failed') ? 1 : 0;
  },
};
