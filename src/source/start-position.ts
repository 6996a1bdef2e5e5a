import type { Collection, Db, Timestamp } from 'mongodb';
import { TidemarkError } from '../ops/errors.js';
import { clusterTimeFromToken, clusterTimeOf, tokenToString, type ClusterTime } from './position.js';

/**
 * Records where streaming must start before the snapshot scan begins
 * (DESIGN decision 2). Real MongoDB answers the opening aggregate of a change
 * stream with a postBatchResumeToken; its cluster time dates the snapshot.
 * Without one (servers that do not send it), the operationTime of a command
 * answered after the stream opened is used with startAtOperationTime.
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
    throw new TidemarkError(
      'TM_NO_START_POSITION',
      `cannot record a start position for ${db.databaseName}.${collection.collectionName}: ` +
        'the server sent neither a postBatchResumeToken nor an operationTime (is it a replica set?)',
    );
  } finally {
    await stream.close();
  }
}
