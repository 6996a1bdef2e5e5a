import type { ChildProcess } from 'node:child_process';
import { Decimal128, type Document } from 'bson';
import { AssignerProtocol, type Kafka } from 'kafkajs';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangeEnvelope } from '../../src/envelope/index.js';
import type { Config } from '../../src/ops/config.js';
import { createKafka, ensureCollectionTopics, topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import { uuidFor } from '../../src/transform/index.js';
import { Random, paymentDocument } from '../../src/workload/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';
import { EnvelopeFeed, changeEnvelope, sinkCaughtUp, sinkConfigFile, spawnSink, stopChild, tmTs } from '../helpers/sink-feed.js';

const KEYS = 4_000;
const VERSIONS = 5; // 20,000 records
const T = 1_760_000_000;

/** Members of the group and the partitions each was assigned. */
async function groupMembers(kafka: Kafka, groupId: string): Promise<Array<{ memberId: string; partitions: number[] }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return { memberId: m.memberId, partitions: Object.values(decoded?.assignment ?? {}).flat() };
    });
  } finally {
    await admin.disconnect();
  }
}

// Issue acceptance: `tidemark sink` scales by adding processes. Two processes in one
// group share 6 partitions while records arrive; the result is every key's newest version.
describe('two sink processes in one consumer group', () => {
  let config: Config;
  let pool: pg.Pool;
  const children: ChildProcess[] = [];
  let unexpected: Error | undefined;
  let stopping = false;

  afterAll(async () => {
    stopping = true;
    for (const c of children) await stopChild(c);
    await dropTestSchema(config, pool);
  });

  it('both get partitions and the final state is every key at its newest version', async () => {
    config = await isolatedConfig('sinktwo', (c) => ({ kafka: { ...c.kafka, partitions: 6 }, connectors: { ...c.connectors, include: ['payments'] } }));
    pool = await migratedPool(config);
    const logger = createLogger({ level: 'warn' });
    const kafka = createKafka(config, logger, '-test');
    await ensureCollectionTopics(kafka, config, ['payments']);
    const topic = topicFor(config, 'payments');
    const file = sinkConfigFile(config);
    const check = () => {
      if (unexpected) throw unexpected;
    };
    for (let i = 0; i < 2; i++) children.push(spawnSink(file, (err) => (stopping ? undefined : (unexpected = err))));

    const bothAssigned = async () => {
      check();
      const members = await groupMembers(kafka, config.sink.groupId);
      return members.length === 2 && members.every((m) => m.partitions.length > 0) ? members : undefined;
    };
    const initial = await eventually('two members with partitions', bothAssigned, 90_000);
    expect(initial.flatMap((m) => m.partitions).sort()).toEqual([0, 1, 2, 3, 4, 5]);

    // Produce while both run: each key's versions in order, keys interleaved, some deleted
    // at the end, a few stale duplicates of older versions arriving late.
    const rng = new Random(2026);
    const docs = Array.from({ length: KEYS }, () => paymentDocument(rng));
    const version = (k: number, v: number) => ({ t: T + v, i: k + 1, ord: 0 });
    const deleted = new Set<number>();
    const envelopes: ChangeEnvelope[] = [];
    const docAt = (k: number, v: number): Document => ({ ...docs[k]!, amount: Decimal128.fromString(`${k + 1}.${v}`), v: `v${v}` });
    for (let v = 1; v <= VERSIONS; v++) {
      for (let k = 0; k < KEYS; k++) {
        if (v === VERSIONS && rng.chance(0.05)) {
          deleted.add(k);
          envelopes.push(changeEnvelope(config, 'd', docs[k]!._id, null, version(k, v)));
        } else if (v > 2 && rng.chance(0.02)) {
          // A stale duplicate of an older version, late.
          envelopes.push(changeEnvelope(config, 'u', docs[k]!._id, docAt(k, v), version(k, v)));
          envelopes.push(changeEnvelope(config, 'u', docs[k]!._id, docAt(k, v - 2), version(k, v - 2)));
        } else {
          envelopes.push(changeEnvelope(config, v === 1 ? 'c' : 'u', docs[k]!._id, docAt(k, v), version(k, v)));
        }
      }
    }
    const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-feed`);
    try {
      for (let i = 0; i < envelopes.length; i += 1000) {
        check();
        await feed.sendEnvelopes(envelopes.slice(i, i + 1000));
      }
    } finally {
      await feed.close();
    }
    expect(envelopes.length).toBeGreaterThanOrEqual(KEYS * VERSIONS);

    await eventually(
      'both sinks caught up',
      async () => {
        check();
        return (await sinkCaughtUp(kafka, pool, config, topic)) ? true : undefined;
      },
      120_000,
    );
    // Still two members sharing all six partitions: nobody died or left.
    const members = await bothAssigned();
    expect(members?.flatMap((m) => m.partitions).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const offsets = await pool.query('SELECT partition FROM tidemark_sink_offsets WHERE group_id = $1 AND next_offset > 0 ORDER BY partition', [config.sink.groupId]);
    expect(offsets.rows.map((r) => r.partition)).toEqual([0, 1, 2, 3, 4, 5]);

    const { rows } = await pool.query<{ id: string; amount: string; ts: string; v: string }>(
      `SELECT id, amount::text AS amount, _tm_ts::text AS ts, extra->>'v' AS v FROM payments ORDER BY id`,
    );
    const expected = docs
      .map((d, k) => ({ k, d }))
      .filter(({ k }) => !deleted.has(k))
      .map(({ k, d }) => ({ id: uuidFor('payments', d._id), amount: `${k + 1}.${String(VERSIONS).padEnd(18, '0')}`, ts: tmTs(version(k, VERSIONS)), v: `v${VERSIONS}` }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(deleted.size).toBeGreaterThan(0);
    expect(rows.length).toBe(expected.length);
    expect(rows).toEqual(expected);
    const tombstones = await pool.query(`SELECT count(*)::int AS n FROM tidemark_tombstones WHERE target_table = 'payments'`);
    expect(tombstones.rows[0].n).toBe(deleted.size);

    stopping = true;
    // SIGTERM finishes the batch and exits 0.
    const codes = await Promise.all(
      children.map((c) => new Promise<number | null>((resolve) => { c.once('exit', (code) => resolve(code)); c.kill('SIGTERM'); })),
    );
    expect(codes).toEqual([0, 0]);
  }, 180_000);
});
