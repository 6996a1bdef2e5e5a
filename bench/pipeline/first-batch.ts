import type { Consumer, Kafka } from 'kafkajs';

/**
 * A Kafka client whose consumers report the moment their first batch starts, so a
 * consume-rate run is timed from the first fetched batch (group join excluded) on
 * both sides of a probe, including inside tidemark's own sink.
 */
export function timingFirstBatch(kafka: Kafka, onFirst?: () => void): { kafka: Kafka; firstBatchAt: () => number | undefined } {
  let first: number | undefined;
  const watch = (consumer: Consumer): Consumer => {
    consumer.on(consumer.events.START_BATCH_PROCESS, () => {
      if (first !== undefined) return;
      first = performance.now();
      onFirst?.();
    });
    return consumer;
  };
  const wrapped = new Proxy(kafka, {
    get(target, prop) {
      if (prop === 'consumer') return (cfg: Parameters<Kafka['consumer']>[0]) => watch(target.consumer(cfg));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { kafka: wrapped, firstBatchAt: () => first };
}

/** A promise with its resolve function, for "the run is done" signals. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
