import { ConfigError } from '../ops/errors.js';
import { createMetricsRegistry, startHttpServer, type HealthReport } from '../ops/http.js';
import { registerSourceMetrics, runSource, type CollectionSource } from '../source/index.js';
import { configFrom, parse, shutdownSignal } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

export const sourceCommand: Command = {
  summary:
    'Run the source: for each configured collection, record the stream start, snapshot in _id order in resumable\n' +
    'chunks, then follow its change stream into <prefix>.<db>.<collection>, exactly once (Kafka transactions).\n' +
    '--resnapshot <collection> snapshots that collection again while the others resume where they stopped.\n' +
    'SIGTERM finishes the in-flight transaction and exits 0.',
  usage: 'tidemark source [--config <file>] [--resnapshot <collection>]...',
  async run(argv) {
    const { values } = parse(argv, { resnapshot: { type: 'string', multiple: true } });
    const { config, logger, mappings } = await startService(configFrom(values), 'source', ['mongo', 'kafka', 'schemaRegistry']);
    const collections = mappings.map((m) => m.collection);
    const unknown = (values.resnapshot ?? []).filter((c) => !collections.includes(c));
    if (unknown.length > 0) throw new ConfigError(unknown.map((c) => `--resnapshot ${c}: no such configured collection (have: ${collections.join(', ')})`), 'command line');
    const signal = shutdownSignal((sig) => logger.info({ signal: sig }, 'stopping: finishing the in-flight transaction'), config.service.shutdownTimeoutMs);
    let current: CollectionSource[] = [];
    const registry = createMetricsRegistry('source');
    registerSourceMetrics(registry, () => current);
    const server =
      config.http.port > 0
        ? await startHttpServer(config.http, registry, () => sourceHealth(current), logger)
        : undefined;
    try {
      const { pipelines } = await runSource(config, logger, collections, signal, {
        resnapshot: values.resnapshot,
        observe: (p) => (current = p),
      });
      return pipelines.some((p) => p.status === 'failed') ? 1 : 0;
    } finally {
      server?.close();
    }
  },
};

/** Ready while every collection is snapshotting or streaming. */
function sourceHealth(pipelines: CollectionSource[]): HealthReport {
  const detail = Object.fromEntries(pipelines.map((p) => [p.name, { status: p.status, reason: p.reason }]));
  const ready = pipelines.length > 0 && pipelines.every((p) => p.status === 'snapshot' || p.status === 'streaming');
  return { ready, detail };
}
