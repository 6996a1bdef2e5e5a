import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { retrying } from '../ops/retry.js';
import { storedOffsets } from '../sink/offsets.js';

export interface CollectionLag {
  collection: string;
  topic: string;
  /** Kafka end offsets minus the sink's PostgreSQL-stored offsets; transaction markers count as records here. */
  recordsBehind: number;
  /** Source cluster time of the newest applied change, and its age now. */
  appliedClusterTime: string | null;
  applyLagMs: number | null;
}

/** Per-collection Kafka and apply lag, read from the broker and from the sink's offsets in PostgreSQL. */
export async function measureLag(
  kafka: Kafka,
  db: pg.Pool,
  groupId: string,
  topics: Array<{ collection: string; topic: string }>,
  now = Date.now(),
): Promise<CollectionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const stored = await storedOffsets(db, groupId, topics.map((t) => t.topic));
    const { rows } = await db.query<{ topic: string; applied: Date | null }>(
      `SELECT topic, max(applied_cluster_time) AS applied FROM tidemark_sink_offsets WHERE group_id = $1 GROUP BY topic`,
      [groupId],
    );
    const applied = new Map(rows.map((r) => [r.topic, r.applied]));
    return await Promise.all(
      topics.map(async ({ collection, topic }) => {
        const ends = await retrying(() => admin.fetchTopicOffsets(topic));
        let behind = 0;
        for (const p of ends) {
          const next = stored.find((s) => s.topic === topic && s.partition === p.partition)?.nextOffset ?? p.low;
          behind += Math.max(0, Number(p.high) - Number(next));
        }
        const at = applied.get(topic) ?? null;
        return {
          collection,
          topic,
          recordsBehind: behind,
          appliedClusterTime: at ? at.toISOString() : null,
          applyLagMs: at ? Math.max(0, now - at.getTime()) : null,
        };
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
