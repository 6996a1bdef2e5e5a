import type { Config } from '../ops/config.js';
import type { Logger } from '../ops/logger.js';
import { createKafka, topicFor } from '../ops/kafka.js';
import { runSink, type SinkCounters } from '../sink/index.js';
import { runSource, type CollectionSource } from '../source/index.js';
import type { Mapping } from '../transform/index.js';

export interface RunningPipeline {
  /** Set when source or sink died; the other is stopped too. */
  readonly error: unknown;
  /** Stops source and sink the way SIGTERM does and waits for both. */
  stop(): Promise<{ pipelines: CollectionSource[]; sink: SinkCounters }>;
}

/** Source and sink in one process: for the demo and the end-to-end tests. */
export function startPipeline(config: Config, logger: Logger, mappings: Mapping[]): RunningPipeline {
  const controller = new AbortController();
  const source = runSource(config, logger, mappings.map((m) => m.collection), controller.signal);
  const sink = runSink(config, logger, createKafka(config, logger, '-sink'), mappings, (c) => topicFor(config, c), controller.signal);
  // A service that dies early stops the other, so nothing hangs waiting for it.
  let error: unknown;
  const fail = (err: unknown) => {
    if (!error) logger.error({ err }, 'replication stopped');
    error ??= err;
    controller.abort();
  };
  source.then((s) => s.pipelines.some((p) => p.status === 'failed') && fail(new Error('a source pipeline failed')), fail);
  sink.catch(fail);
  return {
    get error() {
      return error;
    },
    async stop() {
      controller.abort();
      const [s, k] = await Promise.all([source, sink]);
      return { pipelines: s.pipelines, sink: k };
    },
  };
}
