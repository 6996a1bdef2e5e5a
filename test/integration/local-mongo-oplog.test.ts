// The local Mongo server's oplog is capped like a real one: a change stream resuming
// before the oldest entry of its namespace fails with ChangeStreamHistoryLost (286),
// which the source turns into a re-snapshot or a stop, never a silent gap; a quiet
// collection keeps its history while others write; a cluster time given out covers every
// write a read could already see. A private server on its own port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ResumeToken, type Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHistoryLost } from '../../src/source/index.js';
import { ClusterClock } from '../../src/verify/observe.js';

const PORT = 27427;
const CAP = 50;
const libs = join(process.env.TIDEMARK_STACK_DIR ?? '.stack', 'lib');
let server: ChildProcess;
let client: MongoClient;

describe('local Mongo server: capped oplog', () => {
  beforeAll(async () => {
    const lib = readdirSync(libs).find((d) => d.startsWith('mongo-java-server-'));
    if (!lib) throw new Error(`no mongo-java-server under ${libs}: run bash deploy/local/stack.sh up first`);
    server = spawn('java', [`-Dtidemark.mongo.oplogMaxEntries=${CAP}`, '-cp', `${join(libs, lib)}/*`, 'deploy/local/MongoServerLauncher.java', '127.0.0.1', String(PORT)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let log = '';
      server.stderr!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('listening on')) resolve();
      });
      server.on('exit', (code) => reject(new Error(`launcher exited ${code}: ${log}`)));
    });
    client = new MongoClient(`mongodb://127.0.0.1:${PORT}/?directConnection=true`);
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    server?.kill('SIGTERM');
  });

  it('a stream resuming before trimmed entries of its collection gets ChangeStreamHistoryLost; a quiet one does not', async () => {
    const db = client.db('oplogcap');
    const tokenAfterFirst = async (collection: string): Promise<ResumeToken> => {
      const stream = db.collection(collection).watch();
      await stream.tryNext(); // opens the stream (the driver opens it lazily) before the write
      await db.collection(collection).insertOne({ n: 0 });
      const first = await stream.next();
      await stream.close();
      return first._id;
    };
    const busy = await tokenAfterFirst('busy');
    const quiet = await tokenAfterFirst('quiet');
    for (let i = 1; i <= CAP * 2; i++) await db.collection('busy').insertOne({ n: i });
    // The quiet stream's last event is trimmed by now, but nothing of its collection after it.
    await db.collection('quiet').insertOne({ n: 1 });

    const lost = db.collection('busy').watch([], { resumeAfter: busy });
    const err = await lost.next().then(() => null, (e: unknown) => e);
    await lost.close();
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(286);
    expect(isHistoryLost(err)).toBe(true);

    const kept = db.collection('quiet').watch([], { resumeAfter: quiet });
    const next = await kept.next();
    await kept.close();
    expect(next).toMatchObject({ operationType: 'insert', fullDocument: { n: 1 } });
  }, 60_000);

  it('gives out no cluster time before a write already visible to reads (a delete seen gone is covered by the clock read after it)', async () => {
    const db = client.db('oplogclock');
    const docs = db.collection('docs');
    const n = 400;
    await docs.insertMany(Array.from({ length: n }, (_, i) => ({ _id: i, v: i })) as never[]);
    // Every delete's cluster time, from a stream opened before them.
    const stream = docs.watch();
    await stream.tryNext();
    const deletedAt = new Map<number, Timestamp>();
    const collecting = (async () => {
      while (deletedAt.size < n) {
        const e = await stream.next();
        if (e.operationType === 'delete') deletedAt.set(e.documentKey._id as unknown as number, e.clusterTime!);
      }
    })();
    // Deletes from several connections while a reader, each time it finds a document gone,
    // reads the cluster time the way the verifier does.
    const clock = new ClusterClock(db);
    const seen: Array<{ id: number; at: { t: number; i: number } }> = [];
    let next = 0;
    const deleters = Array.from({ length: 6 }, async () => {
      while (next < n) await docs.deleteOne({ _id: next++ } as never);
    });
    const reader = (async () => {
      for (let id = 0; id < n; ) {
        if ((await docs.findOne({ _id: id } as never)) !== null) continue;
        seen.push({ id, at: await clock.now() });
        id += 7;
      }
    })();
    await Promise.all([...deleters, reader]);
    await collecting;
    await stream.close();
    await clock.close();
    expect(seen.length).toBeGreaterThan(50);
    const before = seen.filter(({ id, at }) => {
      const d = deletedAt.get(id)!;
      return at.t < d.t || (at.t === d.t && at.i < d.i);
    });
    expect(before, 'cluster times read after a delete was visible, yet before it').toEqual([]);
  }, 60_000);
});
