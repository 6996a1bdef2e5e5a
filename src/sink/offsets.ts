import type { PoolClient } from 'pg';

/**
 * Consumed offsets live in PostgreSQL, committed with the rows they cover
 * (DESIGN decision 5). Reading them FOR UPDATE inside the apply transaction
 * serialises two consumers that briefly own the same partition during a
 * rebalance: the second sees the advanced offset and skips what was applied.
 */
export async function lockedNextOffset(
  client: PoolClient,
  groupId: string,
  topic: string,
  partition: number,
): Promise<bigint | null> {
  await client.query(
    `INSERT INTO tidemark_sink_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
     ON CONFLICT DO NOTHING`,
    [groupId, topic, partition],
  );
  const { rows } = await client.query<{ next_offset: string }>(
    `SELECT next_offset FROM tidemark_sink_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
    [groupId, topic, partition],
  );
  return rows[0] ? BigInt(rows[0].next_offset) : null;
}

export async function storeNextOffset(
  client: PoolClient,
  groupId: string,
  topic: string,
  partition: number,
  nextOffset: bigint,
  appliedClusterTimeMs: number | null,
): Promise<void> {
  // The newest applied cluster time never moves back: a replay re-applies older changes.
  await client.query(
    `UPDATE tidemark_sink_offsets SET next_offset = $4, updated_at = now(),
       applied_cluster_time = GREATEST(applied_cluster_time, to_timestamp($5::double precision / 1000))
     WHERE group_id = $1 AND topic = $2 AND partition = $3`,
    [groupId, topic, partition, nextOffset.toString(), appliedClusterTimeMs],
  );
}

export async function storedOffsets(
  client: { query: PoolClient['query'] },
  groupId: string,
  topics: string[],
): Promise<Array<{ topic: string; partition: number; nextOffset: string }>> {
  const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, partition, next_offset FROM tidemark_sink_offsets WHERE group_id = $1 AND topic = ANY($2)`,
    [groupId, topics],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset }));
}

/** Moves the stored offset past records that carry no data (markers, aborted); never backwards. */
export async function skipNonData(
  db: { query: PoolClient['query'] },
  groupId: string,
  topic: string,
  partition: number,
  nextOffset: bigint,
): Promise<void> {
  await db.query(
    `UPDATE tidemark_sink_offsets SET next_offset = $4, updated_at = now()
     WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset < $4`,
    [groupId, topic, partition, nextOffset.toString()],
  );
}
