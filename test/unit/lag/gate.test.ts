import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/lag/gate.js';
import type { WindowStats } from '../../../src/lag/samples.js';
import type { LatestVerification } from '../../../src/lag/verification.js';

const NOW = 1_800_000_000_000;
const WINDOW = 600_000;
const opts = { now: NOW, windowMs: WINDOW, maxLagMs: 5_000, toleranceMs: 6_000 };
const spread = (max: number) => ({ p50: max / 2, p99: max, max });
// 301 samples every 2 s covering the whole window, all well under the bound.
const watched = (over: Partial<WindowStats> = {}): WindowStats => ({
  samples: 301,
  firstMs: NOW - WINDOW,
  lastMs: NOW - 500,
  maxGapMs: 2_100,
  unknown: 0,
  overBound: 0,
  worstAtMs: NOW - 60_000,
  sourceLagMs: spread(900),
  kafkaRecords: spread(3),
  applyLagMs: spread(400),
  endToEndLagMs: spread(1_200),
  ...over,
});
const clean: LatestVerification = {
  id: '7',
  startedAt: new Date(NOW - 200_000).toISOString(),
  finishedAt: new Date(NOW - 120_000).toISOString(),
  clean: true,
  couldNotVerify: false,
  differences: 0,
};
const gate = (stats: Record<string, WindowStats>, verification: LatestVerification = clean, collections = ['payments', 'users']) =>
  evaluateGate(collections, new Map(Object.entries(stats)), verification, opts);

describe('cutover gate', () => {
  it('opens (exit 0) when every collection stayed under the bound for the whole window and the verification is clean and recent', () => {
    const r = gate({ payments: watched(), users: watched() });
    expect(r).toMatchObject({ decision: 'open', exitCode: 0, reasons: [] });
  });

  it('closes (exit 1) when one sample went over the bound, saying which collection, how far and when', () => {
    const r = gate({ payments: watched(), users: watched({ overBound: 2, endToEndLagMs: spread(7_300) }) });
    expect(r.exitCode).toBe(1);
    expect(r.reasons).toEqual([expect.stringMatching(/^users: end-to-end lag reached 7\.3 s at .* over the 5\.0 s bound \(2 of 301 samples over\)$/)]);
    expect(r.collections.map((c) => c.decision)).toEqual(['open', 'closed']);
  });

  it('closes when the lag was unknown at some point', () => {
    expect(gate({ payments: watched({ unknown: 1 }), users: watched() }).reasons[0]).toMatch(/payments: end-to-end lag unknown in 1 of 301/);
  });

  it('cannot tell (exit 2, never green) without samples, with samples only for part of the window, with a gap, or with a stale sampler', () => {
    const none = gate({ payments: watched() });
    expect(none).toMatchObject({ decision: 'undecided', exitCode: 2 });
    expect(none.reasons).toEqual(['users: no lag samples in the last 10 m 0 s (is tidemark status running?)']);
    expect(gate({ payments: watched(), users: watched({ firstMs: NOW - 60_000 }) }).reasons[0]).toMatch(/users: samples cover only the last 1 m 0 s of the 10 m 0 s window/);
    expect(gate({ payments: watched({ maxGapMs: 30_000 }), users: watched() }).reasons[0]).toMatch(/payments: no samples for 30\.0 s inside the window/);
    expect(gate({ payments: watched({ lastMs: NOW - 20_000 }), users: watched() }).reasons[0]).toMatch(/payments: the newest sample is 20\.0 s old/);
    expect(gate({}, clean, []).exitCode).toBe(2);
  });

  it('a definite no wins over cannot tell', () => {
    const r = gate({ payments: watched({ overBound: 1, endToEndLagMs: spread(6_000) }) });
    expect(r.exitCode).toBe(1);
    expect(r.reasons).toHaveLength(2);
  });

  it('closes on a missing, unclean, unverifiable or old verification; cannot tell when the verifier is not installed', () => {
    const both = { payments: watched(), users: watched() };
    expect(gate(both, null).reasons).toEqual(['verification: none has finished yet (run tidemark verify)']);
    expect(gate(both, { ...(clean as object), clean: false, differences: 3 } as LatestVerification).reasons[0]).toMatch(/found 3 difference\(s\)/);
    expect(gate(both, { ...(clean as object), clean: false, couldNotVerify: true } as LatestVerification).reasons[0]).toMatch(/could not verify/);
    const old = { ...(clean as object), finishedAt: new Date(NOW - WINDOW - 1).toISOString() } as LatestVerification;
    expect(gate(both, old).reasons[0]).toMatch(/older than the window .* run tidemark verify again/);
    for (const v of [null, old]) expect(gate(both, v).exitCode).toBe(1);
    expect(gate(both, 'not-installed').exitCode).toBe(2);
  });
});
