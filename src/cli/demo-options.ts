// Options and configuration shared by `tidemark demo`, `demo seed` and `demo live`.
import { parseDuration } from '../ops/duration.js';
import type { Config } from '../ops/config.js';
import { ConfigError } from '../ops/errors.js';

// 20261127 (the seed before) makes the sink stall at 400 purchase requests: a parked-change
// deadlock around the purchase_requests <-> seller_offers cycle, reported to the sink's owner.
export const DEFAULT_SEED = 20261128;
export const DEFAULT_PURCHASE_REQUESTS = 400;

export const WORKLOAD_OPTIONS = {
  'purchase-requests': { type: 'string' },
  seed: { type: 'string' },
} as const;

export const LIVE_OPTIONS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
} as const;

/** A whole number in [min, max] given as text, or the default when absent; a usage error names the option. */
export function intOption(text: string | undefined, option: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError([`${option} must be a whole number from ${min} to ${max}, got '${text}'`], 'command line');
  }
  return n;
}

/** Operations per second: a positive number. */
export function rateOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > 100_000) {
    throw new ConfigError([`--rate must be operations per second (a number above 0, at most 100000), got '${text}'`], 'command line');
  }
  return n;
}

export function durationOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text, '--duration');
}

export function workloadOptions(values: { 'purchase-requests'?: string; seed?: string }): { purchaseRequests: number; seed: number } {
  return {
    purchaseRequests: intOption(values['purchase-requests'], '--purchase-requests', DEFAULT_PURCHASE_REQUESTS, 1, 1_000_000),
    seed: intOption(values.seed, '--seed', DEFAULT_SEED, 0, 2 ** 32 - 1),
  };
}

/**
 * The full demo owns its MongoDB database, PostgreSQL schema, topic prefix and
 * consumer group, so it never touches real replicas; every connector runs.
 */
export function demoConfig(base: Config): Config {
  const run = Date.now().toString(36);
  return {
    ...base,
    mongo: { ...base.mongo, database: 'amanat_demo' },
    kafka: { ...base.kafka, topicPrefix: `tidemark-demo-${run}` },
    postgres: { ...base.postgres, schema: 'tidemark_demo' },
    sink: { ...base.sink, groupId: `tidemark-demo-${run}`, parkedRetryIntervalMs: 1000 },
    connectors: { ...base.connectors, include: [] },
    // kafkajs logs its retries (e.g. CONCURRENT_TRANSACTIONS) as warnings, which would interleave
    // with the demo's lines; LOG_LEVEL=warn shows them.
    log: { ...base.log, level: process.env.LOG_LEVEL ? base.log.level : 'error' },
  };
}

/** `tidemark demo` takes one word (seed or live) and options only. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) {
    throw new ConfigError([`unexpected argument '${positionals[0]}' (tidemark demo [seed | live] [options]; see --help)`], 'command line');
  }
}
