import { describe, expect, it } from 'vitest';
import { stageLags, type CompletenessMemory, type PartitionPosition } from '../../../src/lag/index.js';
import { sourceCaughtUpMs, type SourceState } from '../../../src/source/index.js';

const NOW = 1_800_000_000_000;
const part = (partition: number, high: number, next: number | null, appliedMs: number | null): PartitionPosition => ({
  partition,
  low: 0n,
  high: BigInt(high),
  next: next === null ? null : BigInt(next),
  appliedMs,
});
const lags = (partitions: PartitionPosition[], sourceUpToMs: number | null, memory?: CompletenessMemory) =>
  stageLags({ collection: 'payments', topic: 't', now: NOW, phase: 'stream', sourceUpToMs, partitions, memory });

describe('stage lags', () => {
  it('an idle collection applied to its end reads the source heartbeat age, however old its newest change', () => {
    const hourAgo = NOW - 3_600_000;
    const l = lags([part(0, 10, 10, hourAgo), part(1, 0, null, null)], NOW - 400);
    expect(l).toMatchObject({ recordsBehind: 0, sourceLagMs: 400, applyLagMs: 0, endToEndLagMs: 400 });
    expect(l.appliedClusterTime).toBe(new Date(hourAgo).toISOString());
  });

  it('a partition with records waiting counts from its newest applied change', () => {
    const l = lags([part(0, 12, 10, NOW - 9_000), part(1, 5, 5, NOW - 1_000)], NOW - 300);
    expect(l).toMatchObject({ recordsBehind: 2, sourceLagMs: 300, applyLagMs: 9_000, endToEndLagMs: 9_000 });
  });

  it('or from what it held when last seen at its end, when that is newer (a quiet partition gets a record)', () => {
    const memory: CompletenessMemory = new Map();
    lags([part(0, 10, 10, NOW - 3_600_000)], NOW - 2_000, memory); // caught up: held everything up to NOW-2s
    const l = lags([part(0, 11, 10, NOW - 3_600_000)], NOW - 100, memory);
    expect(l).toMatchObject({ recordsBehind: 1, applyLagMs: 2_000, endToEndLagMs: 2_000 });
  });

  it('records waiting where nothing was ever applied, or no source position, make the lag unknown, never zero', () => {
    expect(lags([part(0, 3, null, null)], NOW)).toMatchObject({ recordsBehind: 3, applyLagMs: null, endToEndLagMs: null });
    expect(lags([part(0, 3, 3, NOW)], null)).toMatchObject({ sourceLagMs: null, applyLagMs: 0, endToEndLagMs: null });
  });
});

describe('how far the source has read (state topic)', () => {
  const base: SourceState = {
    phase: 'stream',
    start: { token: null, clusterTime: { t: 1_000, i: 1 } },
    snapshotLastKey: null,
    snapshotCount: 0,
    resumeToken: null,
    clusterTime: { t: 2_000, i: 1 },
    ordinal: 1,
    updatedAtMs: 0,
  };

  it('while snapshotting: only up to the recorded stream start', () => {
    expect(sourceCaughtUpMs({ ...base, phase: 'snapshot', caughtUpAtMs: 9_999_999 })).toBe(1_000_000);
  });

  it('streaming: the newest of the last event, the observed position and the last drained poll', () => {
    expect(sourceCaughtUpMs(base)).toBe(2_000_000);
    expect(sourceCaughtUpMs({ ...base, observed: { t: 3_000, i: 0 } })).toBe(3_000_000);
    expect(sourceCaughtUpMs({ ...base, observed: { t: 3_000, i: 0 }, caughtUpAtMs: 3_500_000 })).toBe(3_500_000);
  });
});
