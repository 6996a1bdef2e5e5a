import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Decimal128, Int32 } from 'bson';
import type { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { envelopeType, type ChangeEnvelope } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { createKafka, sourceStateTopic, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { loadSourceStates, stateKey } from '../../src/source/state.js';
import { canonicalKey } from '../../src/transform/index.js';
import { Random } from '../../src/workload/index.js';
import { mixedDocument } from '../helpers/bson-docs.js';
import { eventually, isolatedConfig } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';

const DOCS = 30_000;
const CHANGES = 800;

/** Runs the built CLI as an operator would, so SIGKILL hits a real process. */
function startSource(configFile: string): ChildProcess {
  const child = spawn('node', ['bin/tidemark.js', 'source', '--config', configFile], {
    stdio: ['ignore', process.env.KILL_TEST_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  // A source that exits by itself (not our SIGKILL) has failed: stop the test at once.
  child.once('exit', (code, signal) => {
    if (signal === null) unexpectedExit = new Error(`source exited by itself with code ${code}`);
  });
  return child;
}
let unexpectedExit: Error | undefined;
const check = () => {
  if (unexpectedExit) throw unexpectedExit;
};

function configFileFor(config: Config): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tidemark-kill-')), 'source.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      mongo: { database: config.mongo.database },
      kafka: { topicPrefix: config.kafka.topicPrefix },
      connectors: { include: ['payments'] },
      source: { snapshotChunkSize: 300, heartbeatIntervalMs: 500 },
      log: { level: process.env.KILL_TEST_LOG ?? 'warn' },
    }),
  );
  return file;
}

// Issue acceptance: SIGKILL the source at random moments (during the snapshot and
// while streaming, at least 5 kills), restart each time; the topic ends with
// every change exactly once for read-committed consumers.
describe('source survives SIGKILL with exactly-once output', () => {
  let mongo: MongoClient;
  let config: Config;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await mongo?.db(config.mongo.database).dropDatabase();
    await mongo?.close();
  });

  it('ends with every snapshot document and every change exactly once, in per-key order', async () => {
    config = await isolatedConfig('kill');
    const file = configFileFor(config);
    mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const coll = mongo.db(config.mongo.database).collection('payments');
    const rng = new Random(99);
    const docs = Array.from({ length: DOCS }, (_, i) => mixedDocument(rng, i));
    for (let i = 0; i < docs.length; i += 2000) await coll.insertMany(docs.slice(i, i + 2000));
    const expected = new Map<string, string[]>(docs.map((d) => [canonicalKey(d._id), ['r']]));

    const logger = createLogger({ level: 'warn' });
    const kafka = createKafka(config, logger, '-test');
    const state = async () => check() ?? (await loadSourceStates(kafka, sourceStateTopic(config))).get(stateKey(config.mongo.database, 'payments'));
    const phase = async () => (await state())?.phase;
    let kills = 0;
    const killSoon = async (minMs: number, maxMs: number) => {
      await sleep(rng.int(minMs, maxMs));
      child?.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
      kills++;
      child = startSource(file);
    };

    // Kills during the snapshot (and during start-up, which is also a random moment).
    child = startSource(file);
    let snapshotKills = 0; // kills after some chunks were committed and before the last one
    for (let attempt = 0; attempt < 8 && (await phase()) !== 'stream'; attempt++) {
      await killSoon(1500, 3500);
      const s = await state();
      if (s?.phase === 'snapshot' && s.snapshotCount > 0) snapshotKills++;
    }
    await eventually('snapshot complete', async () => ((await phase()) === 'stream' ? true : undefined), 180_000);

    // Kills while streaming, with a writer changing documents all along.
    const ids = docs.map((d) => d._id);
    let writing = true;
    const writer = (async () => {
      for (let n = 0; n < CHANGES; n++) {
        const id = ids[rng.int(0, ids.length - 1)];
        const ops = expected.get(canonicalKey(id))!;
        if (ops.at(-1) === 'd') {
          await coll.insertOne({ _id: id, reborn: new Int32(n) });
          ops.push('c');
        } else if (rng.chance(0.85)) {
          await coll.updateOne({ _id: id }, { $set: { amount: Decimal128.fromString(`${n}.5`), n: new Int32(n) } });
          ops.push('u');
        } else {
          await coll.deleteOne({ _id: id });
          ops.push('d');
        }
        if (n % 20 === 0) await sleep(rng.int(5, 40));
      }
      writing = false;
    })();
    while (writing || kills < 5) {
      check();
      await killSoon(800, 2500);
    }
    await writer;

    const changes = [...expected.values()].flat().length - 0;
    const records = await eventually(
      'all records in the topic',
      async () => {
        check();
        const r = (await readTopic(kafka, topicFor(config, 'payments'))).filter((m) => m.value !== null);
        return r.length >= changes ? r : undefined;
      },
      180_000,
    );
    const stopped = new Promise((r) => child?.once('exit', r));
    unexpectedExit = undefined;
    child.kill('SIGTERM');
    await stopped;
    child = undefined;

    const seen = new Map<string, string[]>();
    for (const m of records) {
      const e = envelopeType.fromBuffer(m.value!.subarray(5)) as ChangeEnvelope;
      seen.set(e.key, [...(seen.get(e.key) ?? []), e.op]);
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(snapshotKills).toBeGreaterThanOrEqual(1);
    expect(records).toHaveLength(changes); // nothing lost, nothing twice
    expect(seen).toEqual(expected); // and in per-key order
  }, 600_000);
});
