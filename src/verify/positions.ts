// Has the sink's applied position passed the moment a difference was observed?
//
// Per partition of the collection's topic, either the sink applied a record of a
// later cluster second (applied_cluster_time is stored in whole seconds), or it has
// consumed up to the partition's end offset read after the source had read past that
// moment. "The source had read past it" comes from the source's own evidence: a later
// record applied on any partition, or its state (position / heartbeat) on the state
// topic. Partitions with no traffic advance only by the second rule, which is why the
// source's heartbeats matter (an idle collection would otherwise never pass).

import type { Admin, Kafka } from 'kafkajs';
import { SourceStateFollower } from '../lag/state-follower.js';
import type { Logger } from '../ops/logger.js';
import { retrying } from '../ops/retry.js';
import { compareClusterTime, type ClusterTime } from '../source/position.js';
import { stateKey, type SourceState } from '../source/index.js';
import { storedOffsets } from '../sink/index.js';
import type { Queryable } from './mirror.js';

interface PartitionView {
  partition: number;
  next: bigint;
  end: bigint;
  /** Whole seconds of the newest applied cluster time; null when nothing was applied. */
  appliedSeconds: number | null;
}

export interface TopicView {
  collection: string;
  topic: string;
  partitions: PartitionView[];
  /** The source has produced every change up to here (exclusive when from applied seconds). */
  sourceUpTo: ClusterTime | null;
  sourcePhase: string | null;
}

export interface Positions {
  passed(collection: string, at: ClusterTime): boolean;
  view(collection: string): TopicView;
}

/**
 * Reads positions again and again during a settlement: the source's state topic is followed
 * (not re-read from its start, a consumer group join each time) and one admin connection is
 * kept, so a round takes milliseconds and a document that changes every few seconds can
 * still be caught equal. `close()` when done.
 */
export class PositionReader {
  private follower: SourceStateFollower | null = null;
  private admin: Admin | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly db: Queryable,
    private readonly groupId: string,
    private readonly stateTopic: string,
    private readonly database: string,
    private readonly log: Logger,
  ) {}

  async close(): Promise<void> {
    await this.follower?.stop();
    await this.admin?.disconnect().catch(() => undefined);
    this.follower = null;
    this.admin = null;
  }

  /** The source states as of now (a copy): read before anything else of a look. */
  private async sourceStates(): Promise<Map<string, SourceState>> {
    if (!this.follower) {
      const follower = new SourceStateFollower(this.kafka, this.stateTopic, this.log);
      this.follower = follower;
      await follower.start();
    }
    return new Map(this.follower.states);
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /**
   * One consistent look: the source state first, then the sink's stored
   * offsets, then Kafka's end offsets, so an end offset is never older than the
   * evidence that the source had passed a moment.
   */
  async read(targets: Array<{ collection: string; topic: string }>): Promise<Positions> {
    const views = new Map<string, TopicView>();
    const viewOf = (collection: string) => {
      const v = views.get(collection);
      if (!v) throw new Error(`no position was read for ${collection}`);
      return v;
    };
    const positions: Positions = { view: viewOf, passed: (collection, at) => passed(viewOf(collection), at) };
    if (targets.length === 0) return positions;
    const states = await this.sourceStates();
    const { rows } = await this.db.query<{ topic: string; partition: number; next_offset: string; applied: string | null }>(
      `SELECT topic, partition, next_offset::text, floor(extract(epoch FROM applied_cluster_time))::text AS applied
       FROM tidemark_sink_offsets WHERE group_id = $1 AND topic = ANY($2)`,
      [this.groupId, targets.map((t) => t.topic)],
    );
    const stored = new Map(rows.map((r) => [`${r.topic}\u0000${r.partition}`, r]));
    const admin = await this.connectedAdmin();
    const ends = await Promise.all(targets.map(({ topic }) => retrying(() => admin.fetchTopicOffsets(topic))));
    targets.forEach(({ collection, topic }, i) => {
      const partitions = ends[i]!.map((e) => {
        const s = stored.get(`${topic}\u0000${e.partition}`);
        return {
          partition: e.partition,
          next: s ? BigInt(s.next_offset) : BigInt(e.low),
          end: BigInt(e.high),
          appliedSeconds: s?.applied ? Number(s.applied) : null,
        };
      });
      const state = states.get(stateKey(this.database, collection));
      views.set(collection, { collection, topic, partitions, sourceUpTo: sourceUpTo(state, partitions), sourcePhase: state?.phase ?? null });
    });
    return positions;
  }
}

function sourceUpTo(state: SourceState | undefined, partitions: PartitionView[]): ClusterTime | null {
  let best: ClusterTime | null = null;
  const consider = (t: ClusterTime | undefined | null) => {
    if (t && (!best || compareClusterTime(t, best) > 0)) best = t;
  };
  if (state?.phase === 'stream') {
    consider(state.clusterTime);
    consider(state.observed);
  }
  // A record of cluster second s was produced: every change before second s was too.
  for (const p of partitions) if (p.appliedSeconds !== null) consider({ t: p.appliedSeconds - 1, i: 0xffffffff });
  return best;
}

export function passed(view: TopicView, at: ClusterTime): boolean {
  const sourcePassed = view.sourceUpTo !== null && compareClusterTime(view.sourceUpTo, at) >= 0;
  return view.partitions.every(
    (p) => (p.appliedSeconds !== null && p.appliedSeconds > at.t) || (sourcePassed && p.next >= p.end),
  );
}

/** The sink's stored next offset per partition of a topic (partitions it has not applied to are absent: from their start). */
export async function appliedOffsets(db: Queryable, groupId: string, topic: string): Promise<Map<number, bigint>> {
  return new Map((await storedOffsets(db, groupId, [topic])).map((o) => [o.partition, BigInt(o.nextOffset)]));
}

/** The stored offsets of a view, as appliedOffsets gives them. */
export function nextOffsets(view: TopicView): Map<number, bigint> {
  return new Map(view.partitions.map((p) => [p.partition, p.next]));
}

/** Kafka records the sink has not applied yet. */
export function recordsBehind(view: TopicView): number {
  return view.partitions.reduce((n, p) => n + Math.max(0, Number(p.end - p.next)), 0);
}
