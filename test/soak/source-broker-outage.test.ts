import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Int32, ObjectId } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeType, type ChangeEnvelope } from '../../src/envelope/index.js';
import { loadConfig, type Config } from '../../src/ops/config.js';
import { createKafka, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMongoClient } from '../../src/ops/mongo.js';
import { runSource, type CollectionSource } from '../../src/source/index.js';
import { eventually } from '../helpers/isolated.js';
import { readTopic } from '../helpers/read-topic.js';

// A private stack (its own broker, registry and Mongo server on other ports), so
// freezing its broker disturbs no other test. Its folder is reused between runs.
const dir = join(tmpdir(), 'tidemark-outage-stack');
const ports = { KAFKA_PORT: '19492', KAFKA_CONTROLLER_PORT: '19493', REGISTRY_PORT: '18481', REGISTRY_MANAGEMENT_PORT: '19409', MONGO_PORT: '27417' };
const env = { ...process.env, TIDEMARK_STACK_DIR: dir, ...ports };
const stack = (cmd: string) => spawnSync('bash', ['deploy/local/stack.sh', cmd], { env, encoding: 'utf8', timeout: 300_000 });
const kafkaPid = () => Number(readFileSync(join(dir, 'run', 'kafka.pid'), 'utf8').trim());

describe('source through a broker outage', () => {
  let config: Config;
  beforeAll(() => {
    const up = stack('up');
    if (up.status !== 0) throw new Error(`private stack did not start:\n${up.stderr}`);
    const base = loadConfig({
      env: {
        MONGO_URL: `mongodb://127.0.0.1:${ports.MONGO_PORT}/?directConnection=true`,
        KAFKA_BROKERS: `127.0.0.1:${ports.KAFKA_PORT}`,
        SCHEMA_REGISTRY_URL: `http://127.0.0.1:${ports.REGISTRY_PORT}/apis/ccompat/v7`,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      },
    });
    const run = Date.now().toString(36);
    config = { ...base, mongo: { ...base.mongo, database: `outage_${run}` }, kafka: { ...base.kafka, topicPrefix: `outage-${run}` } };
  }, 300_000);

  afterAll(() => {
    try {
      process.kill(kafkaPid(), 'SIGCONT');
    } catch {
      // not stopped
    }
    stack('down');
  });

  it('pauses while the broker is frozen, then resumes without loss or duplicates', async () => {
    const logger = createLogger({ level: config.log.level });
    const mongo = createMongoClient(config.mongo.url);
    await mongo.connect();
    const coll = mongo.db(config.mongo.database).collection('payments');
    const controller = new AbortController();
    let pipelines: CollectionSource[] = [];
    const running = runSource(config, logger, ['payments'], controller.signal, { observe: (p) => (pipelines = p) });
    const kafka = createKafka(config, logger, '-test');
    const topic = topicFor(config, 'payments');
    await eventually('streaming', async () => (pipelines[0]?.status === 'streaming' ? true : undefined), 60_000);

    const ids: ObjectId[] = [];
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const _id = new ObjectId();
        ids.push(_id);
        await coll.insertOne({ _id, n: new Int32(ids.length) });
      }
    };
    await write(50);
    process.kill(kafkaPid(), 'SIGSTOP'); // the broker stops answering
    await write(100); // changes keep happening in MongoDB meanwhile
    await sleep(12_000);
    process.kill(kafkaPid(), 'SIGCONT');
    await write(50);

    const records = await eventually(
      'all 200 inserts in the topic',
      async () => {
        const r = (await readTopic(kafka, topic)).filter((m) => m.value !== null);
        // Thrown, not returned: a timeout then says how far it got.
        if (r.length < 200) {
          const p = pipelines[0];
          throw new Error(`${r.length} of 200 in the topic; source ${p?.status} (${p?.reason ?? 'no reason'}), ${p?.eventsProduced} events produced, read up to ${p?.readUpToMs ? new Date(p.readUpToMs).toISOString() : '-'}`);
        }
        return r;
      },
      120_000,
    );
    controller.abort();
    await running;
    await mongo.close();
    const keys = records.map((m) => (envelopeType.fromBuffer(m.value!.subarray(5)) as ChangeEnvelope).key);
    expect(records).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
    expect(pipelines[0]!.status).toBe('stopped'); // it stopped because we asked, not failed
  }, 300_000);
});
