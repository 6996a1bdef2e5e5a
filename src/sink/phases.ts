// Where a batch's apply time goes, phase by phase, for operators (/metrics) and the bench.

export type SinkPhase =
  /** Parent lookups and parking of changes that cannot be applied yet. */
  | 'parking-check'
  /** The savepoint, CREATE TEMP TABLE IF NOT EXISTS and emptying of the staging table. */
  | 'staging'
  /** COPY of the changes into staging. */
  | 'copy'
  /** Delete, tombstones, the version-guarded upsert, id_map and the parked versions it supersedes, one round trip. */
  | 'merge'
  /** Child tables replaced for the parents whose upsert won. */
  | 'children'
  /** Parked changes woken by the rows just written. */
  | 'wake';

export type PhaseObserver = (table: string, phase: SinkPhase, seconds: number) => void;

const observers = new Set<PhaseObserver>();

/** Calls `observer` for every phase of every apply in this process; returns the unsubscribe. */
export function observePhases(observer: PhaseObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Runs one phase, telling observers how long it took (also when it fails). */
export async function timed<T>(table: string, phase: SinkPhase, fn: () => Promise<T>): Promise<T> {
  if (observers.size === 0) return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    for (const o of observers) o(table, phase, seconds);
  }
}
