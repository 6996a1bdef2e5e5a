import { Decimal128, ObjectId, type Document } from 'bson';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { topicFor } from '../../src/ops/kafka.js';
import { createLogger } from '../../src/ops/logger.js';
import type { SinkCounters } from '../../src/sink/index.js';
import { uuidFor } from '../../src/transform/index.js';
import { Random } from '../../src/workload/index.js';
import { dropTestSchema } from '../helpers/isolated.js';
import { EnvelopeFeed, changeEnvelope, tmTs, type Version, openPaymentsSinkBed, runPaymentsSinkUntilCaughtUp } from '../helpers/sink-feed.js';

const BASE_T = 1_760_000_000;
const STATUSES = ['pending', 'processing', 'completed', 'canceled'] as const;
const TARGET_STATUS: Record<string, string> = { canceled: 'cancelled' };

/** One change in production order: key k, op, at version n (cluster time BASE_T + n, ordinal ord). */
interface Step {
  k: number;
  op: 'c' | 'u' | 'd';
  n: number;
  ord?: number;
}

const version = (s: Step): Version => ({ t: BASE_T + s.n, i: 1, ord: s.ord ?? 0 });
const newer = (a: Step, b: Step) => a.n > b.n || (a.n === b.n && (a.ord ?? 0) > (b.ord ?? 0));

function paymentAt(id: ObjectId, k: number, n: number, ord = 0): Document {
  return {
    _id: id,
    amount: Decimal128.fromString(`${k + 1}.${n}${ord}`),
    currency: 'USDT',
    status: STATUSES[(n + ord) % STATUSES.length],
    provider: 'request.network',
    createdAt: new Date(Date.UTC(2025, 0, 1) + k * 1000),
    updatedAt: new Date(Date.UTC(2025, 0, 1) + n * 1000 + ord),
    note: `k${k} v${n}.${ord}`,
  };
}

/** Hand-written cases, then seeded random ones: out of order, duplicated, deleted, re-created. */
function script(rng: Random): Step[][] {
  const keys: Step[][] = [
    [{ k: 0, op: 'c', n: 1 }], // plain create
    [{ k: 1, op: 'c', n: 1 }, { k: 1, op: 'u', n: 2 }, { k: 1, op: 'u', n: 3 }], // updates
    [{ k: 2, op: 'c', n: 1 }, { k: 2, op: 'd', n: 2 }], // delete
    [{ k: 3, op: 'c', n: 1 }, { k: 3, op: 'd', n: 3 }, { k: 3, op: 'u', n: 2 }], // older upsert after the delete: no resurrection
    [{ k: 4, op: 'c', n: 1 }, { k: 4, op: 'u', n: 3 }, { k: 4, op: 'u', n: 2 }], // older update after a newer one
    [{ k: 5, op: 'c', n: 1 }, { k: 5, op: 'c', n: 1 }, { k: 5, op: 'u', n: 2 }, { k: 5, op: 'u', n: 2 }], // duplicates
    [{ k: 6, op: 'd', n: 5 }, { k: 6, op: 'c', n: 1 }, { k: 6, op: 'u', n: 3 }], // delete first, its history later
    [{ k: 7, op: 'c', n: 1 }, { k: 7, op: 'd', n: 2 }, { k: 7, op: 'c', n: 3 }], // re-created after a delete
    [{ k: 8, op: 'u', n: 4, ord: 0 }, { k: 8, op: 'u', n: 4, ord: 1 }, { k: 8, op: 'u', n: 4, ord: 0 }], // one cluster time, ordinals
    [{ k: 9, op: 'c', n: 1 }, { k: 9, op: 'u', n: 4 }, { k: 9, op: 'd', n: 3 }], // older delete after a newer update
    [{ k: 10, op: 'c', n: 1 }, { k: 10, op: 'd', n: 2 }, { k: 10, op: 'd', n: 2 }, { k: 10, op: 'c', n: 1 }], // duplicate delete, stale create
  ];
  for (let k = keys.length; k < 20; k++) {
    const history: Step[] = [];
    let alive = false;
    for (let n = 1; n <= rng.int(2, 7); n++) {
      const op: Step['op'] = !alive ? 'c' : rng.chance(0.25) ? 'd' : 'u';
      alive = op !== 'd';
      history.push({ k, op, n });
    }
    // Local swaps (late arrivals) and duplicates.
    for (let j = 0; j < history.length - 1; j++) if (rng.chance(0.3)) [history[j], history[j + 1]] = [history[j + 1]!, history[j]!];
    if (rng.chance(0.6)) history.splice(rng.int(0, history.length), 0, history[rng.int(0, history.length - 1)]!);
    keys.push(history);
  }
  return keys;
}

describe('sink replay: version-guarded, idempotent apply', () => {
  let config: Config;
  let pool: pg.Pool;
  let kafka: Kafka;
  const logger = createLogger({ level: 'warn' });

  beforeAll(async () => {
    ({ config, pool, kafka } = await openPaymentsSinkBed('sinkreplay', logger));
  });

  afterAll(async () => {
    await dropTestSchema(config, pool);
  });

  const topic = () => topicFor(config, 'payments');

  const runUntilCaughtUp = (cfg: Config): Promise<SinkCounters> => runPaymentsSinkUntilCaughtUp(cfg, logger, kafka, pool);

  /** The replicated state as text: every column of every row, tombstones and id_map (without wall-clock columns). */
  async function snapshot(): Promise<string> {
    const q = async (sql: string) => (await pool.query<{ j: string }>(sql)).rows[0]!.j;
    return JSON.stringify({
      payments: await q(`SELECT coalesce(json_agg(t ORDER BY t.id)::text, '[]') AS j FROM payments t`),
      tombstones: await q(`SELECT coalesce(json_agg(t ORDER BY t.target_table, t.id)::text, '[]') AS j FROM tidemark_tombstones t`),
      idMap: await q(`SELECT coalesce(json_agg(t ORDER BY t.collection, t.legacy_object_id)::text, '[]') AS j FROM id_map t`),
    });
  }

  it('applies creates, updates, deletes, late and duplicate versions exactly; a replay from offset 0 changes nothing', async () => {
    const rng = new Random(4242);
    const ids = Array.from({ length: 20 }, () => new ObjectId(rng.hex(12)));
    const histories = script(rng);

    // Round-robin over the keys (each key's steps stay in their listed order), in
    // transactions of 3-8 records; keys hash over the topic's partitions.
    const order: Step[] = [];
    for (let round = 0; order.length < histories.flat().length; round++) {
      for (const h of histories) if (h[round]) order.push(h[round]!);
    }
    const feed = await EnvelopeFeed.open(kafka, config, `${config.sink.groupId}-feed`);
    const envelopeOf = (s: Step) =>
      changeEnvelope(config, s.op, ids[s.k], s.op === 'd' ? null : paymentAt(ids[s.k]!, s.k, s.n, s.ord), version(s));
    try {
      for (let i = 0; i < order.length; ) {
        const size = rng.int(3, 8);
        await feed.sendEnvelopes(order.slice(i, i + size).map(envelopeOf));
        i += size;
      }
      // An aborted transaction with newer versions: read-committed, so never applied.
      await feed.sendEnvelopes([envelopeOf({ k: 0, op: 'u', n: 99 }), envelopeOf({ k: 1, op: 'd', n: 99 })], { abort: true });
    } finally {
      await feed.close();
    }
    const admin = kafka.admin();
    await admin.connect();
    const partitionsWithData = (await admin.fetchTopicOffsets(topic())).filter((o) => BigInt(o.high) > 0n).length;
    await admin.disconnect();
    expect(partitionsWithData).toBeGreaterThan(1);

    const first = await runUntilCaughtUp(config);
    expect(first.rejected).toBe(0);

    // Expected state: per key, the newest version wins; a newest delete leaves no row and a tombstone.
    const expectedRows: Array<Record<string, unknown>> = [];
    const expectedTombstones: Array<Record<string, unknown>> = [];
    for (const h of histories) {
      const top = h.reduce((a, b) => (newer(b, a) ? b : a));
      const id = uuidFor('payments', ids[top.k]);
      if (top.op === 'd') {
        expectedTombstones.push({ id, _tm_ts: tmTs(version(top)), _tm_ord: top.ord ?? 0 });
        continue;
      }
      const ord = top.ord ?? 0;
      const status = STATUSES[(top.n + ord) % STATUSES.length]!;
      expectedRows.push({
        id,
        legacy_id: ids[top.k]!.toHexString(),
        amount: `${top.k + 1}.${`${top.n}${ord}`.padEnd(18, '0')}`,
        status: TARGET_STATUS[status] ?? status,
        provider: 'request_network',
        updated_at: new Date(Date.UTC(2025, 0, 1) + top.n * 1000 + ord).toISOString(),
        extra: { note: `k${top.k} v${top.n}.${ord}` },
        _tm_ts: tmTs(version(top)),
        _tm_ord: ord,
      });
    }
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).localeCompare(String(b.id));
    const { rows } = await pool.query(
      `SELECT id, legacy_id, amount::text, status, provider, updated_at, extra, _tm_ts::text, _tm_ord FROM payments ORDER BY id`,
    );
    expect(rows.map((r) => ({ ...r, updated_at: (r.updated_at as Date).toISOString() })).sort(byId)).toEqual(expectedRows.sort(byId));
    expect(expectedRows.length).toBeGreaterThan(5);
    expect(expectedTombstones.length).toBeGreaterThan(3);
    // A tombstone exactly for each key whose newest change is a delete, at that version.
    const tombs = await pool.query(`SELECT id, _tm_ts::text, _tm_ord FROM tidemark_tombstones WHERE target_table = 'payments' ORDER BY id`);
    expect(tombs.rows).toEqual(expectedTombstones.sort(byId));
    // An id_map row for every key seen, the deleted ones too.
    const idMap = await pool.query(`SELECT legacy_object_id, new_id FROM id_map WHERE collection = 'payments' ORDER BY legacy_object_id`);
    expect(idMap.rows).toEqual(
      ids.map((id) => ({ legacy_object_id: id.toHexString(), new_id: uuidFor('payments', id) })).sort((a, b) => a.legacy_object_id.localeCompare(b.legacy_object_id)),
    );

    const before = await snapshot();

    // Seek the group back to offset 0 (PostgreSQL's offsets are the truth; Kafka's too for
    // lag tools) and replay everything: once in large batches, once one record per transaction.
    for (const maxBatchRecords of [5000, 1]) {
      await pool.query('UPDATE tidemark_sink_offsets SET next_offset = 0 WHERE group_id = $1', [config.sink.groupId]);
      const groupAdmin = kafka.admin();
      await groupAdmin.connect();
      try {
        await groupAdmin.resetOffsets({ groupId: config.sink.groupId, topic: topic(), earliest: true });
      } finally {
        await groupAdmin.disconnect();
      }
      const replay = await runUntilCaughtUp({ ...config, sink: { ...config.sink, maxBatchRecords } });
      expect(replay.records, `records read again (batch ${maxBatchRecords})`).toBeGreaterThanOrEqual(order.length);
      expect({ upserted: replay.upserted, deleted: replay.deleted }, `rows changed by the replay (batch ${maxBatchRecords})`).toEqual({ upserted: 0, deleted: 0 });
      expect(await snapshot(), `state after replay (batch ${maxBatchRecords})`).toBe(before);
    }
  }, 180_000);
});
