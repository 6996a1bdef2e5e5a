import { createKafka, topicFor } from '../ops/kafka.js';
import { runSink } from '../sink/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

export const sinkCommand: Command = {
  summary:
    'Run the sink: a consumer group over every configured topic that applies batches to PostgreSQL with COPY +\n' +
    'ON CONFLICT, committing rows and offsets in one transaction. Start more processes to share the partitions.\n' +
    'SIGTERM finishes the current batch and exits 0.',
  usage: 'tidemark sink [--config <file>]',
  async run(argv) {
    const { values } = parse(argv, {});
    const { config, logger, mappings } = await startService(configFrom(values), 'sink', ['kafka', 'schemaRegistry', 'postgres']);
    const signal = shutdownSignal((sig) => logger.info({ signal: sig }, 'stopping'));
    const kafka = createKafka(config, logger, '-sink');
    await runSink(config, logger, kafka, mappings, (c) => topicFor(config, c), signal);
    return 0;
  },
};
