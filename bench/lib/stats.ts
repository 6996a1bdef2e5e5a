// Pure figures of a probe's runs: medians, spreads and whether a ratio meets its target.
import type { Measurement } from './probe.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Events per second of one run; a run that handled nothing or took no time is an error, never a rate. */
export function rateOf(m: Measurement): number {
  if (!(m.events > 0) || !(m.seconds > 0)) throw new Error(`a run must handle events in positive time (events ${m.events}, seconds ${m.seconds})`);
  return m.events / m.seconds;
}

export interface Judgement {
  ratio: number;
  target?: number;
  /** Undefined when no target is set. */
  holds?: boolean;
}

/** Ratio of medians B/A, judged against the target (B must reach target × A). */
export function judgeRatio(medianA: number, medianB: number, target?: number): Judgement {
  const ratio = medianB / medianA;
  if (target === undefined) return { ratio };
  return { ratio, target, holds: Number.isFinite(ratio) && ratio >= target };
}

/** CPU-µs per event per role, from the CPU seconds of runs and their events (summed over the runs). */
export function cpuMicrosPerEvent(runs: readonly Measurement[]): Record<string, number> {
  const events = runs.reduce((n, r) => n + r.events, 0);
  const out: Record<string, number> = {};
  for (const r of runs) for (const [role, s] of Object.entries(r.cpu ?? {})) out[role] = (out[role] ?? 0) + s;
  for (const role of Object.keys(out)) out[role] = events > 0 ? (out[role]! * 1e6) / events : NaN;
  return out;
}

/**
 * Capacity model: events/s the machine could sustain if CPU were the only limit,
 * `cores CPU-s per second ÷ Σ CPU-s per event` (all roles together).
 */
/** CPU-µs per event summed over every process role. */
export function totalMicros(microsPerEvent: Record<string, number>): number {
  return Object.values(microsPerEvent).reduce((a, b) => a + b, 0);
}

export function cpuBoundRate(microsPerEvent: Record<string, number>, cores: number): number {
  const total = totalMicros(microsPerEvent);
  return total > 0 ? (cores * 1e6) / total : Infinity;
}
