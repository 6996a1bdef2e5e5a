import type { Db } from 'mongodb';
import type { Measurement } from '../lib/probe.js';
import type { Config } from '../../src/ops/config.js';
import { sourceStateTopic } from '../../src/ops/kafka.js';
import type { Logger } from '../../src/ops/logger.js';
import type { Kafka } from 'kafkajs';
import { CollectionSource, TransactionalWriter, type RecordWriter, type SourceState, type WriterTarget } from '../../src/source/index.js';
import { BENCH_COLLECTION } from './bed.js';
import { signal } from './first-batch.js';

export type WriterFactory = (id: string, target: WriterTarget) => RecordWriter;

/** What one timed source run reads from and writes to. */
export interface SourceRun {
  config: Config;
  db: Db;
  kafka: Kafka;
  topic: string;
  schemaId: number;
  logger: Logger;
  /** undefined: start from nothing (record the start, snapshot, then stream). */
  initial: SourceState | undefined;
  /** Envelopes to wait for. */
  n: number;
}

/** The real Kafka writer, counting what each committed transaction carried. */
export const kafkaWriter =
  (kafka: Kafka) =>
  (count: (k: number) => void): WriterFactory =>
  (id, target) => {
    const real = new TransactionalWriter(kafka, id, target);
    return {
      connect: () => real.connect(),
      disconnect: () => real.disconnect(),
      commit: async (envelopes, state) => {
        await real.commit(envelopes, state);
        count(envelopes.length);
      },
    };
  };

/** Runs tidemark's collection pipeline through `writer` until `n` envelopes were committed; timed from run() on. */
export async function timeCollectionSource(run: SourceRun, writer: (count: (k: number) => void) => WriterFactory): Promise<Measurement> {
  const done = signal<number>();
  let committed = 0;
  const count = (k: number) => {
    committed += k;
    if (committed >= run.n) done.resolve(performance.now());
  };
  const source = new CollectionSource(BENCH_COLLECTION, {
    config: run.config,
    db: run.db,
    kafka: run.kafka,
    topic: run.topic,
    stateTopic: sourceStateTopic(run.config),
    schemaId: run.schemaId,
    logger: run.logger,
    reloadState: async () => undefined,
    writer: writer(count),
  });
  await source.connect();
  const controller = new AbortController();
  const started = performance.now();
  const running = source.run(controller.signal, run.initial);
  running.catch(done.reject);
  try {
    const end = await done.promise;
    return { events: committed, seconds: (end - started) / 1000 };
  } finally {
    controller.abort();
    await running.catch(() => undefined);
  }
}
