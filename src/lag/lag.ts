import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import { retrying } from '../ops/retry.js';
import { sourceCaughtUpMs, type SourceState } from '../source/index.js';
import { stageLags, type CompletenessMemory, type PartitionPosition, type StageLags } from './stages.js';

export type CollectionLag = StageLags;

export interface LagTarget {
  collection: string;
  topic: string;
  /** The collection's source state (state topic); without it source and end-to-end lag are unknown. */
  source?: SourceState;
}

type Queryable = Pick<pg.Pool, 'query'>;

/** Per-collection lag by stage, read from the broker and from the sink's offsets in PostgreSQL. */
export async function measureLag(
  kafka: Kafka,
  db: Queryable,
  groupId: string,
  targets: LagTarget[],
  now = Date.now(),
): Promise<CollectionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await measureLagWith(admin, db, groupId, targets, () => now);
  } finally {
    await admin.disconnect();
  }
}

/** measureLag on a connected admin client, for a sampler that keeps one open. */
export async function measureLagWith(
  admin: Admin,
  db: Queryable,
  groupId: string,
  targets: LagTarget[],
  clock: () => number,
  memory?: CompletenessMemory,
): Promise<CollectionLag[]> {
  const positions = await readPositions(admin, db, groupId, targets.map((t) => t.topic));
  const now = clock();
  return targets.map(({ collection, topic, source }) =>
    stageLags({
      collection,
      topic,
      now,
      phase: source?.phase ?? null,
      sourceUpToMs: source ? sourceCaughtUpMs(source) : null,
      partitions: positions.get(topic) ?? [],
      memory,
    }),
  );
}

/**
 * PostgreSQL's offsets are read before Kafka's end offsets: a record produced in
 * between then counts as waiting, so the lag read is never less than the truth.
 */
async function readPositions(admin: Admin, db: Queryable, groupId: string, topics: string[]): Promise<Map<string, PartitionPosition[]>> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string; applied: Date | null }>(
    `SELECT topic, partition, next_offset, applied_cluster_time AS applied FROM tidemark_sink_offsets WHERE group_id = $1 AND topic = ANY($2)`,
    [groupId, topics],
  );
  const stored = new Map(rows.map((r) => [`${r.topic}:${r.partition}`, r]));
  const out = new Map<string, PartitionPosition[]>();
  await Promise.all(
    topics.map(async (topic) => {
      const ends = await retrying(() => admin.fetchTopicOffsets(topic));
      out.set(
        topic,
        ends.map((e) => {
          const s = stored.get(`${topic}:${e.partition}`);
          return {
            partition: e.partition,
            low: BigInt(e.low),
            high: BigInt(e.high),
            next: s ? BigInt(s.next_offset) : null,
            appliedMs: s?.applied ? s.applied.getTime() : null,
          };
        }),
      );
    }),
  );
  return out;
}
