import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from '../ops/topic-reader.js';
import type { ClusterTime } from './position.js';

/**
 * A collection's source position, stored in the compacted state topic under the
 * key `<db>.<collection>` and written in the same Kafka transaction as the
 * records it covers, so records and position can never disagree.
 */
export interface SourceState {
  phase: 'snapshot' | 'stream' | 'stopped';
  /** Where streaming starts once the snapshot is done (recorded before the scan). */
  start: { token: string | null; clusterTime: ClusterTime };
  /** Canonical EJSON of the last _id of the last completed snapshot chunk. */
  snapshotLastKey: string | null;
  snapshotCount: number;
  /** Latest stream position: resume token and the cluster time / ordinal of the last event. */
  resumeToken: string | null;
  clusterTime: ClusterTime;
  ordinal: number;
  /** Newest cluster time observed on the stream, events or postBatchResumeToken (heartbeats). */
  observed?: ClusterTime;
  /**
   * Wall-clock time (ms) of the last poll that found the change stream drained: the
   * source had read every change MongoDB had made visible by then. Heartbeats carry
   * it forward, so an idle collection's source lag stays near zero (lag stages).
   */
  caughtUpAtMs?: number;
  /** Why a stopped pipeline stopped (drop, rename, invalidate, history lost). */
  reason?: string;
  updatedAtMs: number;
}

export function stateKey(db: string, collection: string): string {
  return `${db}.${collection}`;
}

export async function loadSourceStates(kafka: Kafka, topic: string): Promise<Map<string, SourceState>> {
  const states = new Map<string, SourceState>();
  await readTopicToEnd(kafka, topic, (message) => {
    const key = message.key?.toString();
    if (!key) return;
    if (message.value === null) states.delete(key);
    else states.set(key, JSON.parse(message.value.toString()) as SourceState);
  });
  return states;
}

/**
 * The newest moment up to which the source has read every change of its collection
 * (ms): the stream start while snapshotting (changes since then are still unread),
 * else the newest of the last event's cluster time, the observed position and the
 * last drained poll.
 */
export function sourceCaughtUpMs(state: SourceState): number {
  if (state.phase === 'snapshot') return state.start.clusterTime.t * 1000;
  return Math.max(state.clusterTime.t * 1000, (state.observed?.t ?? 0) * 1000, state.caughtUpAtMs ?? 0);
}
