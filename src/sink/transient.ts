import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../ops/logger.js';

/**
 * PostgreSQL errors that say nothing about the data and go away by themselves:
 * lost connections (class 08, admin/crash shutdown, "cannot connect now"),
 * deadlocks and serialization failures (class 40), resource limits (class 53).
 * A batch that meets one is retried as a whole, never turned into rejections.
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|40|53)/.test(code) || ['57P01', '57P02', '57P03'].includes(code)) return true;
    return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code);
  }
  return err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message);
}

/**
 * Runs `attempt` until it succeeds, retrying transient database errors with
 * capped exponential backoff for as long as `keepGoing()` holds (a PostgreSQL
 * restart can take minutes; the consumer must not crash meanwhile). `between`
 * runs before each retry (a consumer heartbeat keeps the partitions assigned).
 */
export async function untilApplied<T>(
  attempt: () => Promise<T>,
  opts: { log: Logger; what: Record<string, unknown>; keepGoing: () => boolean; between?: () => Promise<void> },
): Promise<T> {
  let wait = 200;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransientDatabaseError(err) || !opts.keepGoing()) throw err;
      opts.log.warn({ err, ...opts.what, tries, retryInMs: wait }, 'transient PostgreSQL error; retrying the batch');
      await sleep(wait);
      wait = Math.min(wait * 2, 5_000);
      await opts.between?.();
    }
  }
}
