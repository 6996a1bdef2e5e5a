import pg, { type PoolClient } from 'pg';

/**
 * Consumed offsets live in PostgreSQL, committed with the rows they cover
 * (DESIGN decision 5). Reading them FOR UPDATE inside the apply transaction
 * serialises two consumers that briefly own the same partition during a
 * rebalance: the second sees the advanced offset and skips what was applied.
 */
export async function beginLockingNextOffset(
  client: PoolClient,
  groupId: string,
  topic: string,
  partition: number,
): Promise<bigint | null> {
  // One round trip (a database on another host pays each one twice per batch): BEGIN, the
  // row made sure of, then read FOR UPDATE, as one simple-protocol query with literals.
  const where = offsetRow(groupId, topic, partition);
  const results = (await client.query(
    `BEGIN;
     INSERT INTO tidemark_sink_offsets (group_id, topic, partition, next_offset) VALUES (${where.values}, 0) ON CONFLICT DO NOTHING;
     SELECT next_offset FROM tidemark_sink_offsets WHERE ${where.match} FOR UPDATE`,
  )) as unknown as Array<pg.QueryResult<{ next_offset: string }>>;
  const row = results[2]?.rows[0];
  return row ? BigInt(row.next_offset) : null;
}

/** Stores the offset after the batch and commits, in one round trip. */
export async function storeNextOffsetAndCommit(
  client: PoolClient,
  groupId: string,
  topic: string,
  partition: number,
  nextOffset: bigint,
  appliedClusterTimeMs: number | null,
): Promise<void> {
  if (appliedClusterTimeMs !== null && !Number.isFinite(appliedClusterTimeMs)) throw new Error(`applied cluster time ${appliedClusterTimeMs} is not a number`);
  const applied = appliedClusterTimeMs === null ? 'NULL' : `to_timestamp(${appliedClusterTimeMs}::double precision / 1000)`;
  // The newest applied cluster time never moves back: a replay re-applies older changes (GREATEST ignores NULL).
  await client.query(
    `UPDATE tidemark_sink_offsets SET next_offset = ${nextOffset.toString()}, updated_at = now(),
       applied_cluster_time = GREATEST(applied_cluster_time, ${applied})
     WHERE ${offsetRow(groupId, topic, partition).match};
     COMMIT`,
  );
}

/** The offsets row of a partition as SQL literals (the values list and the WHERE condition). */
function offsetRow(groupId: string, topic: string, partition: number): { values: string; match: string } {
  if (!Number.isInteger(partition)) throw new Error(`partition ${partition} is not an integer`);
  const [group, name] = [pg.escapeLiteral(groupId), pg.escapeLiteral(topic)];
  return { values: `${group}, ${name}, ${partition}`, match: `group_id = ${group} AND topic = ${name} AND partition = ${partition}` };
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
