import { createKafka, topicFor } from '../ops/kafka.js';
import { createMetricsRegistry, startHttpServer } from '../ops/http.js';
import { SinkMetrics, runSink } from '../sink/index.js';
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
    const signal = shutdownSignal((sig) => logger.info({ signal: sig }, 'stopping: finishing the current batch'), config.service.shutdownTimeoutMs);
    const kafka = createKafka(config, logger, '-sink');
    const registry = createMetricsRegistry('sink');
    const metrics = new SinkMetrics(registry);
    let running = false;
    const health = () => ({ ready: running, detail: { groupId: config.sink.groupId } });
    const server = config.http.port > 0 ? await startHttpServer(config.http, registry, health, logger) : undefined;
    try {
      running = true;
      await runSink(config, logger, kafka, mappings, (c) => topicFor(config, c), signal, metrics);
      return 0;
    } finally {
      running = false;
      server?.close();
    }
  },
};
