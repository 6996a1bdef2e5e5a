// The local Mongo server's oplog is capped like a real one: a change stream resuming
// before the oldest entry of its namespace fails with ChangeStreamHistoryLost (286),
// which the source turns into a re-snapshot or a stop, never a silent gap; a quiet
// collection keeps its history while others write. A private server on its own port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ResumeToken } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHistoryLost } from '../../src/source/index.js';

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
});
