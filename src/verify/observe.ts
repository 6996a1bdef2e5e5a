// When was a difference observed, in MongoDB's own clock? A cluster time taken
// after the reads is at or after every write they could see, so "the sink has
// applied everything up to it" means the difference should be gone. A later reading
// is as good as an earlier one (it only waits a little longer), so one reading
// serves every key observed before it.

import type { ChangeStream, Db, Timestamp } from 'mongodb';
import { TidemarkError } from '../ops/errors.js';
import { clusterTimeFromToken, type ClusterTime } from '../source/position.js';

/** A collection nobody writes: its change stream only reports where the oplog is. */
const CLOCK_COLLECTION = '_tidemark_verify_clock';

/**
 * The cluster time now, best source first: the operationTime of a command reply
 * (replica sets and sharded clusters), else the postBatchResumeToken of a change
 * stream (servers without operationTime; it follows the whole oplog, not only its
 * collection). Never the wall clock: the source's position is in cluster time, and
 * an idle server's cluster time does not move with the clock.
 */
export class ClusterClock {
  private stream: ChangeStream | null = null;

  constructor(private readonly db: Db) {}

  async now(): Promise<ClusterTime> {
    const reply = await this.db.command({ ping: 1 });
    const operationTime = reply.operationTime as Timestamp | undefined;
    if (operationTime) return { t: operationTime.t, i: operationTime.i };
    this.stream ??= this.db.collection(CLOCK_COLLECTION).watch([], { maxAwaitTimeMS: 1 });
    // The first reply of a new stream may carry no token yet; a getMore does.
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.stream.tryNext();
      const at = this.stream.resumeToken ? clusterTimeFromToken(this.stream.resumeToken) : null;
      if (at) return at;
    }
    throw new TidemarkError(
      'TM_VERIFY_NO_CLUSTER_TIME',
      `cannot tell MongoDB's cluster time (database ${this.db.databaseName}): no operationTime and no postBatchResumeToken; is it a replica set?`,
    );
  }

  async close(): Promise<void> {
    await this.stream?.close().catch(() => undefined);
    this.stream = null;
  }
}
