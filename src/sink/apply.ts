import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Change } from './changes.js';
import { copyLine } from './copy-text.js';
import type { TableStatements } from './sql.js';

/**
 * Applies one table's de-duplicated changes inside the caller's transaction:
 * COPY into the staging table, then set-based delete, tombstone, upsert and
 * id_map statements. No per-row round trips.
 */
export async function applyChanges(
  client: PoolClient,
  sql: TableStatements,
  changes: Change[],
): Promise<{ upserted: number; deleted: number }> {
  if (changes.length === 0) return { upserted: 0, deleted: 0 };
  await client.query(sql.createStaging);
  const lines = function* () {
    for (const c of changes) {
      // Deletes carry only the key column; the others stay NULL in staging.
      const values = sql.dataColumns.map((col) => c.row[col] ?? null);
      yield copyLine([...values, c.ts.toString(), String(c.ord), c.op === 'delete' ? 'd' : 'u', c.legacyId]);
    }
  };
  await pipeline(Readable.from(lines()), client.query(copyFrom(sql.copy)));
  const deleted = await client.query(sql.deleteRows);
  await client.query(sql.upsertTombstones);
  const upserted = await client.query(sql.upsertRows);
  await client.query(sql.deleteTombstones);
  await client.query(sql.upsertIdMap);
  // Rows actually changed: stale or replayed versions are no-ops and not counted.
  return { upserted: upserted.rowCount ?? 0, deleted: deleted.rowCount ?? 0 };
}
