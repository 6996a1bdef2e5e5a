import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../ops/logger.js';
import { stateKey } from '../source/index.js';
import { measureLagWith } from './lag.js';
import { insertSamples, pruneSamples } from './samples.js';
import type { CompletenessMemory, StageLags } from './stages.js';
import { SourceStateFollower } from './state-follower.js';

export interface LagSample {
  atMs: number;
  lags: StageLags[];
}

export interface SamplerDeps {
  kafka: Kafka;
  db: pg.Pool;
  groupId: string;
  database: string;
  stateTopic: string;
  targets: Array<{ collection: string; topic: string }>;
  intervalMs: number;
  retentionMs: number;
  log: Logger;
  clock?: () => number;
  /** Called after each stored sample (the status page builds its view here); errors are logged. */
  onSample?: (sample: LagSample) => Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Measures every collection's stage lags each interval and stores them in
 * tidemark_lag_samples, so the gate can judge a window and the page can chart it.
 * A failed round leaves a gap in the samples, which the gate reads as "cannot tell".
 */
export class LagSampler {
  latest: LagSample | null = null;
  private readonly follower: SourceStateFollower;
  private readonly memory: CompletenessMemory = new Map();
  private readonly clock: () => number;
  private readonly stopping = new AbortController();
  private admin: Admin | null = null;
  private loop: Promise<void> = Promise.resolve();
  private lastPrune = 0;

  constructor(private readonly deps: SamplerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.follower = new SourceStateFollower(deps.kafka, deps.stateTopic, deps.log);
  }

  /** Takes the first sample before returning, so a page served right after has data. */
  async start(): Promise<void> {
    await this.follower.start();
    this.admin = this.deps.kafka.admin();
    await this.admin.connect();
    await this.round();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.admin?.disconnect().catch(() => undefined);
    await this.follower.stop();
  }

  /** One measurement, stored; exposed for tests that step the sampler themselves. */
  async sample(): Promise<LagSample> {
    const { db, groupId, database, targets } = this.deps;
    const withState = targets.map((t) => ({ ...t, source: this.follower.states.get(stateKey(database, t.collection)) }));
    const lags = await measureLagWith(this.admin!, db, groupId, withState, this.clock, this.memory);
    const sample = { atMs: this.clock(), lags };
    await insertSamples(db, groupId, sample.atMs, lags);
    this.latest = sample;
    if (sample.atMs - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = sample.atMs;
      await pruneSamples(db, sample.atMs - this.deps.retentionMs);
    }
    return sample;
  }

  private async round(): Promise<void> {
    try {
      const sample = await this.sample();
      await this.deps.onSample?.(sample);
    } catch (err) {
      this.deps.log.warn({ err }, 'lag sample failed; the gate will see a gap');
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      await sleep(this.deps.intervalMs, undefined, { signal }).catch(() => undefined);
      if (!signal.aborted) await this.round();
    }
  }
}
