import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries a call while its error says it is retriable (kafkajs and tidemark
 * errors carry `retriable`), with exponential backoff, up to a deadline.
 * Non-retriable errors surface at once.
 */
export async function retrying<T>(fn: () => Promise<T>, opts: { timeoutMs?: number; initialMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let wait = opts.initialMs ?? 100;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const retriable = (err as { retriable?: unknown }).retriable === true;
      if (!retriable || Date.now() + wait > deadline) throw err;
      await sleep(wait);
      wait = Math.min(wait * 2, 2_000);
    }
  }
}
