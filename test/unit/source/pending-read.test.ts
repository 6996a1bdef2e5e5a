// The change-stream loop's position rule, with a scripted stream (the local Mongo server
// cannot hold a getMore at will): events in hand go out once the previous commit is done
// and the read sent meanwhile has had its grace, and the position they are written with
// is that of the last event taken, not the stream's token, which may already be past an
// event the pending read took for the next batch. A later restart resumes from that position.
import { ObjectId, Timestamp } from 'bson';
import type { Db } from 'mongodb';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { ChangeEnvelope } from '../../../src/envelope/index.js';
import { loadConfig } from '../../../src/ops/config.js';
import { createLogger } from '../../../src/ops/logger.js';
import { CollectionSource } from '../../../src/source/collection-source.js';
import type { ChangeEvent } from '../../../src/source/events.js';
import { tokenToString } from '../../../src/source/position.js';
import type { SourceState } from '../../../src/source/state.js';

const token = (n: number) => ({ _data: `82${(0x65000000 + n).toString(16).padStart(8, '0')}00000001` });

function insert(n: number): ChangeEvent {
  const _id = new ObjectId();
  return {
    _id: token(n),
    operationType: 'insert',
    clusterTime: new Timestamp({ t: 0x65000000 + n, i: 1 }),
    ns: { db: 'amanat', coll: 'payments' },
    documentKey: { _id },
    fullDocument: { _id, n },
  };
}

/** A change stream whose reads the test answers one by one. */
class ScriptedStream {
  resumeToken: unknown = null;
  readonly reads: Array<(event: ChangeEvent | null) => void> = [];
  tryNext(): Promise<ChangeEvent | null> {
    return new Promise((resolve) =>
      this.reads.push((event) => {
        // The driver caches an event's token as it hands the event out.
        if (event) this.resumeToken = event._id;
        resolve(event);
      }),
    );
  }
  bufferedCount() {
    return 0;
  }
  async close() {}
}

const until = async (what: string, check: () => boolean) => {
  for (const end = Date.now() + 5_000; !check(); await new Promise((r) => setTimeout(r, 2))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
};

/** A source streaming from `ScriptedStream` into a writer whose commits the test finishes one by one. */
function scriptedSource() {
  const stream = new ScriptedStream();
  const db = { collection: () => ({ watch: () => stream }) } as unknown as Db;
  const commits: Array<{ events: number[]; state: SourceState; finish: () => void }> = [];
  const writer = () => ({
    connect: async () => {},
    disconnect: async () => {},
    commit: (envelopes: ChangeEnvelope[], state: SourceState) =>
      new Promise<void>((finish) => commits.push({ events: envelopes.map((e) => e.source.clusterTimeSeconds - 0x65000000), state, finish })),
  });
  const source = new CollectionSource('payments', {
    config: loadConfig({ env: {} }), db, kafka: {} as Kafka, topic: 't', stateTopic: 's', schemaId: 1,
    logger: createLogger({ level: 'silent' }), reloadState: async () => undefined, writer,
  });
  const start: SourceState = {
    phase: 'stream', start: { token: null, clusterTime: { t: 0x65000000, i: 0 } }, snapshotLastKey: null, snapshotCount: 0,
    resumeToken: tokenToString(token(0)), clusterTime: { t: 0x65000000, i: 0 }, ordinal: 0, updatedAtMs: 0,
  };
  const stop = new AbortController();
  const running = source.run(stop.signal, start);
  return {
    stream,
    commits,
    async stop() {
      stop.abort();
      stream.reads.at(-1)?.(null);
      await running;
    },
  };
}

describe('source: a read pending while events go out', () => {
  it('writes the events in hand once the commit is done, with the position of the last one taken', async () => {
    const { stream, commits, stop } = scriptedSource();

    // Event 1 goes out alone; its transaction stays open.
    await until('the first read', () => stream.reads.length === 1);
    stream.reads[0]!(insert(1));
    await until('the first commit', () => commits.length === 1);
    expect(commits[0]!.events).toEqual([1]);
    // Event 2 arrives while it commits; the next read is sent and left unanswered.
    await until('the second read', () => stream.reads.length === 2);
    stream.reads[1]!(insert(2));
    await until('the third read', () => stream.reads.length === 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(commits).toHaveLength(1); // event 2 waits for the commit in flight
    // The driver has event 3 from the getMore's answer and its token, not yet handed out.
    stream.resumeToken = token(3);
    commits[0]!.finish();
    // Event 2 goes out without the read's answer (its grace is over), positioned at itself.
    await until('the second commit', () => commits.length === 2);
    expect(commits[1]!.events).toEqual([2]);
    expect(commits[1]!.state.resumeToken).toBe(tokenToString(token(2)));
    stream.reads[2]!(insert(3));
    commits[1]!.finish();
    await until('the third commit', () => commits.length === 3);
    expect(commits[2]!.events).toEqual([3]);
    expect(commits[2]!.state.resumeToken).toBe(tokenToString(token(3)));
    commits[2]!.finish();
    await stop();
  });

  it('under load the read answers within its grace and its events share the transaction', async () => {
    const { stream, commits, stop } = scriptedSource();
    await until('the first read', () => stream.reads.length === 1);
    stream.reads[0]!(insert(1));
    await until('the first commit', () => commits.length === 1);
    await until('the second read', () => stream.reads.length === 2);
    stream.reads[1]!(insert(2));
    await until('the third read', () => stream.reads.length === 3);
    commits[0]!.finish();
    stream.reads[2]!(insert(3)); // answered right after the commit, within the grace
    await until('the second commit', () => commits.length === 2);
    expect(commits[1]!.events).toEqual([2, 3]);
    commits[1]!.finish();
    await stop();
  });
});
