import type { Collection, Db, Timestamp } from 'mongodb';
import { TidemarkError } from '../ops/errors.js';
import { clusterTimeFromToken, clusterTimeOf, tokenToString, type ClusterTime } from './position.js';

/**
 * Records where streaming must start before the snapshot scan begins
 * (DESIGN decision 2), best source first:
 *  1. the postBatchResumeToken real MongoDB (4.0.7+) sends with the opening
 *     aggregate of a change stream; its cluster time dates the snapshot;
 *  2. the operationTime of a command reply (replica sets), for startAtOperationTime;
 *  3. the server clock (`hello.localTime`, whole seconds): new writes get a
 *     cluster time at or after the wall clock, so nothing after it is missed;
 *     events of that same second are replayed, which version-guarded apply absorbs.
 */
export async function captureStartPosition(
  db: Db,
  collection: Collection,
): Promise<{ token: string | null; clusterTime: ClusterTime }> {
  const stream = collection.watch([], { maxAwaitTimeMS: 1 });
  try {
    await stream.tryNext();
    const token = stream.resumeToken;
    const fromToken = token ? clusterTimeFromToken(token) : null;
    if (token && fromToken) return { token: tokenToString(token), clusterTime: fromToken };
    const reply = await db.command({ ping: 1 });
    const operationTime = reply.operationTime as Timestamp | undefined;
    if (operationTime) return { token: null, clusterTime: clusterTimeOf(operationTime) };
    const hello = await db.admin().command({ isMaster: 1 });
    if (hello.localTime instanceof Date) {
      return { token: null, clusterTime: { t: Math.floor(hello.localTime.getTime() / 1000), i: 0 } };
    }
    throw new TidemarkError(
      'TM_NO_START_POSITION',
      `cannot record a start position for ${db.databaseName}.${collection.collectionName}: ` +
        'the server sent no postBatchResumeToken, operationTime or localTime (is it a replica set?)',
    );
  } finally {
    await stream.close();
  }
}
