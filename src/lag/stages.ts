import type { SourceState } from '../source/index.js';

/** One partition of a collection topic: Kafka's offsets and what the sink stored in PostgreSQL. */
export interface PartitionPosition {
  partition: number;
  low: bigint;
  high: bigint;
  /** The sink's next offset from PostgreSQL; null before it stored one. */
  next: bigint | null;
  /** Source cluster time (ms) of the newest change applied from this partition. */
  appliedMs: number | null;
}

/**
 * A collection's lag by stage at one instant. Times are in ms; null means
 * unknown (no source position yet, or records wait where nothing was applied).
 */
export interface StageLags {
  collection: string;
  topic: string;
  /** The source's phase for this collection, from its state topic; null if it never ran. */
  phase: SourceState['phase'] | null;
  /** Now minus the moment up to which the source has read every change. */
  sourceLagMs: number | null;
  /** Kafka records after the sink's PostgreSQL-stored offsets (transaction markers included). */
  recordsBehind: number;
  /** Zero when every partition is applied to its end; else the age of what PostgreSQL holds on the worst waiting partition. */
  applyLagMs: number | null;
  /** Now minus the moment up to which PostgreSQL holds every change: max(source, apply). */
  endToEndLagMs: number | null;
  /** Newest source cluster time applied, any partition. */
  appliedClusterTime: string | null;
}

/**
 * Per partition (`topic:partition`), the source position up to which PostgreSQL held
 * everything the last time it was seen applied to its end. A partition that then gets
 * a record is at most that old, however long ago its newest applied change was.
 */
export type CompletenessMemory = Map<string, number>;

export interface StageInput {
  collection: string;
  topic: string;
  now: number;
  phase: SourceState['phase'] | null;
  /** sourceCaughtUpMs of the collection's source state; null when there is none. */
  sourceUpToMs: number | null;
  partitions: PartitionPosition[];
  memory?: CompletenessMemory;
}

/**
 * End-to-end lag is now minus F, where PostgreSQL holds every change up to F. A
 * partition applied to its end holds everything the source has read; a partition
 * with records waiting holds (in partition order) everything up to its newest
 * applied change, or up to what it held when last seen at its end, whichever is newer.
 */
export function stageLags(input: StageInput): StageLags {
  const { now, sourceUpToMs, memory } = input;
  let recordsBehind = 0;
  let applyLagMs: number | null = 0;
  let applied: number | null = null;
  for (const p of input.partitions) {
    if (p.appliedMs !== null) applied = Math.max(applied ?? 0, p.appliedMs);
    const behind = Math.max(0, Number(p.high - (p.next ?? p.low)));
    recordsBehind += behind;
    const key = `${input.topic}:${p.partition}`;
    if (behind === 0) {
      if (sourceUpToMs !== null) memory?.set(key, sourceUpToMs);
      continue;
    }
    const heldUpTo = Math.max(p.appliedMs ?? -Infinity, memory?.get(key) ?? -Infinity);
    if (heldUpTo === -Infinity) applyLagMs = null;
    else if (applyLagMs !== null) applyLagMs = Math.max(applyLagMs, now - heldUpTo, 0);
  }
  const sourceLagMs = sourceUpToMs === null ? null : Math.max(0, now - sourceUpToMs);
  return {
    collection: input.collection,
    topic: input.topic,
    phase: input.phase,
    sourceLagMs,
    recordsBehind,
    applyLagMs,
    endToEndLagMs: sourceLagMs === null || applyLagMs === null ? null : Math.max(sourceLagMs, applyLagMs),
    appliedClusterTime: applied === null ? null : new Date(applied).toISOString(),
  };
}
