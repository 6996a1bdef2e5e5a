// Pure figures of the latency probe: percentiles and the growth check at high load.

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Sample {
  /** When the document was stamped (ms). */
  stampMs: number;
  /** Stamp → visible in PostgreSQL (ms). */
  latencyMs: number;
}

/**
 * Latency of the first and last third of the writes (by stamp): a pipeline that keeps
 * up has the same latency at the end as at the start; one that falls behind grows.
 */
export function thirds(samples: readonly Sample[]): { firstP50: number; lastP50: number } {
  const byStamp = [...samples].sort((a, b) => a.stampMs - b.stampMs);
  const third = Math.floor(byStamp.length / 3);
  return {
    firstP50: percentile(byStamp.slice(0, third).map((s) => s.latencyMs), 50),
    lastP50: percentile(byStamp.slice(byStamp.length - third).map((s) => s.latencyMs), 50),
  };
}

/** Bounded: the last third's median within 1.5× the first third's plus 100 ms (noise on a shared machine). */
export function bounded(firstP50: number, lastP50: number): boolean {
  return Number.isFinite(firstP50) && Number.isFinite(lastP50) && lastP50 <= firstP50 * 1.5 + 100;
}
