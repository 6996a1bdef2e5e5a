import { describe, expect, it } from 'vitest';
import { bounded, percentile, thirds } from '../../../bench/pipeline/latency-figures.js';

describe('latency figures', () => {
  it('percentile is nearest-rank over unsorted values', () => {
    const values = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile(values, 10)).toBe(10);
    expect(percentile(values, 0)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('thirds compares the medians of the earliest and latest stamps', () => {
    const samples = Array.from({ length: 9 }, (_, i) => ({ stampMs: 1000 - i, latencyMs: i < 3 ? 500 : i < 6 ? 200 : 100 }));
    // stamps decrease with i: the first third by stamp is i = 6..8 (100 ms), the last i = 0..2 (500 ms)
    expect(thirds(samples)).toEqual({ firstP50: 100, lastP50: 500 });
  });

  it('bounded allows noise but not growth', () => {
    expect(bounded(100, 240)).toBe(true);
    expect(bounded(100, 260)).toBe(false);
    expect(bounded(NaN, 100)).toBe(false);
  });
});
