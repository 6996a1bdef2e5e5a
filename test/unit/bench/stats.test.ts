import { describe, expect, it } from 'vitest';
import { cpuBoundRate, cpuMicrosPerEvent, judgeRatio, median, rateOf, spread } from '../../../bench/lib/stats.js';

describe('bench figures', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('gives median and min–max', () => {
    expect(spread([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30 });
  });

  it('refuses a run that handled nothing instead of reporting a rate', () => {
    expect(rateOf({ events: 1000, seconds: 0.5 })).toBe(2000);
    expect(() => rateOf({ events: 0, seconds: 1 })).toThrow(/positive/);
    expect(() => rateOf({ events: 10, seconds: NaN })).toThrow(/positive/);
  });

  it('judges the ratio of medians B/A against the target', () => {
    expect(judgeRatio(1000, 950, 0.9)).toEqual({ ratio: 0.95, target: 0.9, holds: true });
    expect(judgeRatio(1000, 899, 0.9).holds).toBe(false);
    expect(judgeRatio(1000, 900, 0.9).holds).toBe(true);
    expect(judgeRatio(1000, 5000)).toEqual({ ratio: 5 });
    expect(judgeRatio(0, 5000, 1).holds).toBe(false); // an infinite ratio is a broken ceiling, not a pass
  });

  it('turns CPU seconds of runs into µs per event per role, and the capacity model', () => {
    const per = cpuMicrosPerEvent([
      { events: 1000, seconds: 1, cpu: { node: 0.05, postgres: 0.1 } },
      { events: 1000, seconds: 1, cpu: { node: 0.15 } },
    ]);
    expect(per.node).toBeCloseTo(100);
    expect(per.postgres).toBeCloseTo(50);
    // 2 cores ÷ 150 µs per event
    expect(cpuBoundRate(per, 2)).toBeCloseTo(2e6 / 150);
  });
});
