// Foreign keys stay physical: the Applier against real PostgreSQL, with FKs,
// CHECKs and an append-only ledger declared in DDL. Children before parents,
// deletes of referenced rows, rows referring to rows of their own batch, refusals
// isolated from their neighbours, expiry to the dead-letter topic.
import { Decimal128, ObjectId, type Document } from 'bson';
import type { Producer, ProducerRecord } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { createApplier, type Applier, type ApplyOutcome } from '../../src/sink/apply.js';
import type { Change } from '../../src/sink/changes.js';
import { retryParked } from '../../src/sink/parked-retry.js';
import { takeForRetry } from '../../src/sink/parking.js';
import { tableStatements } from '../../src/sink/sql.js';
import { canonicalKey, legacyIdText, mappingFromYaml, transformDocument, uuidFor, type Mapping } from '../../src/transform/index.js';
import { checkTargetTables, tableShapes } from '../../src/schema/index.js';
import { dropTestSchema, eventually, isolatedConfig, migratedPool } from '../helpers/isolated.js';

const yaml = (collection: string, table: string, columns: string) =>
  mappingFromYaml(`collection: ${collection}\ntable: ${table}\nkey: { column: id }\nextra: extra\ncolumns:\n${columns}`, `${collection}.yaml`);

const MAPPINGS: Mapping[] = [
  yaml('parents', 'parents', '  - { column: name, path: name, type: text, nullable: false }'),
  yaml(
    'kids',
    'kids',
    '  - { column: parent_id, path: parentId, type: ref, references: parents, nullable: false }\n' +
      '  - { column: amount, path: amount, type: money, nullable: false, check: positive }',
  ),
  yaml('people', 'people', '  - { column: referred_by, path: referredBy, type: ref, references: people, nullable: true }'),
  yaml(
    'ledger',
    'ledger',
    '  - { column: kid_id, path: kidId, type: ref, references: kids, nullable: false }\n' +
      '  - { column: amount, path: amount, type: money, nullable: false }',
  ),
  yaml(
    'orders',
    'orders',
    '  - { column: parent_id, path: parentId, type: ref, references: parents, nullable: false }\n' +
      '  - { column: selected_item_id, path: selectedItemId, type: ref, references: items, nullable: true }',
  ),
  yaml('items', 'items', '  - { column: order_id, path: orderId, type: ref, references: orders, nullable: false }'),
  mappingFromYaml(
    `collection: baskets
table: baskets
key: { column: id }
extra: extra
columns: []
children:
  - table: basket_items
    path: items
    shape: array
    parentKey: basket_id
    position: position
    columns:
      - { column: product_id, path: productId, type: ref, references: parents, nullable: false }
      - { column: qty, path: qty, type: int, nullable: false }
    children:
      - table: basket_item_notes
        path: notes
        shape: array
        parentKey: [basket_id, item_position]
        position: position
        columns:
          - { column: note, path: $value, type: text, nullable: false }`,
    'baskets.yaml',
  ),
];

const DDL = `
CREATE TABLE parents (id uuid PRIMARY KEY, name text NOT NULL, extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE TABLE kids (id uuid PRIMARY KEY, parent_id uuid NOT NULL REFERENCES parents(id),
  amount numeric(38,18) NOT NULL CHECK (amount > 0) CONSTRAINT ck_kids_amount_limit CHECK (amount < 1000),
  extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE INDEX ON kids (parent_id);
CREATE TABLE people (id uuid PRIMARY KEY, referred_by uuid REFERENCES people(id), extra jsonb NOT NULL,
  _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE TABLE ledger (id uuid PRIMARY KEY, kid_id uuid NOT NULL REFERENCES kids(id), amount numeric(38,18) NOT NULL,
  extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ledger is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation'; END $$;
CREATE TRIGGER ledger_immutable BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();
CREATE TABLE orders (id uuid PRIMARY KEY, parent_id uuid NOT NULL REFERENCES parents(id), selected_item_id uuid,
  extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE TABLE items (id uuid PRIMARY KEY, order_id uuid NOT NULL REFERENCES orders(id) DEFERRABLE INITIALLY DEFERRED,
  extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
ALTER TABLE orders ADD FOREIGN KEY (selected_item_id) REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE baskets (id uuid PRIMARY KEY, extra jsonb NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL);
CREATE TABLE basket_items (basket_id uuid NOT NULL REFERENCES baskets(id) ON DELETE CASCADE, position integer NOT NULL,
  product_id uuid NOT NULL REFERENCES parents(id), qty integer NOT NULL CHECK (qty > 0), PRIMARY KEY (basket_id, position));
CREATE INDEX ON basket_items (product_id);
CREATE TABLE basket_item_notes (basket_id uuid NOT NULL, item_position integer NOT NULL, position integer NOT NULL, note text NOT NULL,
  PRIMARY KEY (basket_id, item_position, position),
  FOREIGN KEY (basket_id, item_position) REFERENCES basket_items(basket_id, position) ON DELETE CASCADE);`;

const log = createLogger({ level: 'warn' });
let config: Config;
let pool: pg.Pool;
let applier: Applier;
let offset = 0;

function change(collection: string, op: 'upsert' | 'delete', id: ObjectId, doc: Document, version: number): Change {
  const mapping = MAPPINGS.find((m) => m.collection === collection)!;
  const { row, children } = op === 'upsert' ? transformDocument(mapping, { _id: id, ...doc }) : { row: { id: uuidFor(collection, id) }, children: [] };
  const origin = { topic: `t.${collection}`, partition: 0, offset: String(offset++), key: Buffer.from(canonicalKey(id)), value: Buffer.from('bytes') };
  return { key: canonicalKey(id), legacyId: legacyIdText(id), op, row, children, ts: BigInt(version), ord: 0, origin };
}

async function inTransaction(table: string, changes: Change[]): Promise<ApplyOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const outcome = await applier.apply(client, table, changes);
    await client.query('COMMIT');
    return outcome;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

const ids = async (table: string) => (await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);
const parked = async () =>
  (await pool.query<{ target_table: string; id: string; op: string; reason: string }>('SELECT target_table, id, op, reason FROM tidemark_parked ORDER BY id')).rows;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

class CapturingProducer {
  readonly sent: ProducerRecord[] = [];
  async send(record: ProducerRecord) {
    this.sent.push(record);
    return [];
  }
}

describe('sink parking: physical foreign keys, any arrival order', () => {
  beforeAll(async () => {
    config = await isolatedConfig('parking');
    pool = await migratedPool(config);
    await pool.query(DDL);
    applier = await createApplier(pool, MAPPINGS, config.postgres.schema);
    await checkTargetTables(pool, config.postgres.schema, tableShapes(MAPPINGS));
  });
  afterAll(() => dropTestSchema(config, pool));

  it('parks a child until its parent arrives, then applies its newest version in the parent transaction', async () => {
    const [p, k] = [new ObjectId(), new ObjectId()];
    const first = await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('1.5') }, 10)]);
    expect(first.parked).toBe(1);
    expect(await ids('kids')).toEqual([]);
    const [entry] = await parked();
    expect(entry).toMatchObject({ target_table: 'kids', id: uuidFor('kids', k), op: 'u' });
    expect(entry!.reason).toContain(`kids.parent_id → parents ${uuidFor('parents', p)}`);

    // A newer version of the parked child replaces it; an older one does not.
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('2.25') }, 12)]);
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('9') }, 11)]);
    expect(await parked()).toHaveLength(1);

    const arrived = await inTransaction('parents', [change('parents', 'upsert', p, { name: 'p' }, 5)]);
    expect(arrived.upserted).toBe(2); // the parent and the child it woke
    const { rows } = await pool.query('SELECT amount::text, _tm_ts::text FROM kids WHERE id = $1', [uuidFor('kids', k)]);
    expect(rows).toEqual([{ amount: '2.250000000000000000', _tm_ts: '12' }]);
    expect(await parked()).toEqual([]);
    const idMap = await pool.query('SELECT count(*)::int AS n FROM id_map WHERE legacy_object_id = $1', [k.toHexString()]);
    expect(idMap.rows[0].n).toBe(1);
  });

  it('drops a parked version once a newer version of the row is written, keeps it when the written one is older', async () => {
    const [absent, present, k1, k2] = [new ObjectId(), new ObjectId(), new ObjectId(), new ObjectId()];
    await inTransaction('parents', [change('parents', 'upsert', present, { name: 'here' }, 1)]);
    const amount = Decimal128.fromString('3');
    await inTransaction('kids', [change('kids', 'upsert', k1, { parentId: absent, amount }, 10), change('kids', 'upsert', k2, { parentId: absent, amount }, 20)]);
    expect((await parked()).map((p) => p.id).sort()).toEqual([uuidFor('kids', k1), uuidFor('kids', k2)].sort());

    // k1 moves to a parent that exists (newer than its parked version); k2 gets an older version.
    const written = await inTransaction('kids', [change('kids', 'upsert', k1, { parentId: present, amount }, 11), change('kids', 'upsert', k2, { parentId: present, amount }, 15)]);
    expect(written.upserted).toBe(2);
    expect((await parked()).map((p) => p.id)).toEqual([uuidFor('kids', k2)]);
    await pool.query('DELETE FROM tidemark_parked');
  });

  it('locks and clears parked versions of staged rows by key lookups, without reading a large parked table whole', async () => {
    const sql = tableStatements(MAPPINGS.find((m) => m.collection === 'kids')!, config.postgres.schema);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // 50,000 parked kids, none of them staged: a load that brings children before parents.
      await client.query(
        `INSERT INTO tidemark_parked (target_table, id, op, _tm_ts, _tm_ord, change, waiting_on, reason, source_topic, source_partition, source_offset)
         SELECT 'kids', gen_random_uuid(), 'u', 1, 0, '{}', '{}', 'test', 't.kids', 0, 0 FROM generate_series(1, 50000)`,
      );
      await client.query('ANALYZE tidemark_parked');
      await client.query(sql.createStaging);
      await client.query(`INSERT INTO ${sql.staging} (id, _tm_ts, _tm_ord, _tm_op, _tm_legacy_id) SELECT gen_random_uuid(), 2, 0, 'u', '' FROM generate_series(1, 5000)`);
      for (const statement of [sql.lockParked, sql.clearParked]) {
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${statement}`);
        const scans = planNodes(rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) => n['Relation Name'] === 'tidemark_parked' && n['Node Type'] !== 'ModifyTable');
        expect(scans.map((n) => n['Node Type']), statement).toEqual([expect.stringMatching(/Index/)]);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  // A woken or retried change is applied by a transaction that does not own its
  // partition, while the owner may be applying a newer version of the same row. Neither
  // sees the other's uncommitted writes, so without a common lock an older woken insert
  // survived its own row's delete (a seller offer left behind in the live workload).
  async function ownerDeletesWhileTaken(takeAndApply: (taker: pg.PoolClient, p: ObjectId, k: ObjectId) => Promise<void>): Promise<void> {
    const [p, k] = [new ObjectId(), new ObjectId()];
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('4') }, 40)]);
    expect((await parked()).map((r) => r.id)).toEqual([uuidFor('kids', k)]);
    const [taker, owner] = [await pool.connect(), await pool.connect()];
    try {
      // The kid is taken out of parking and written, uncommitted...
      await taker.query('BEGIN');
      await takeAndApply(taker, p, k);
      // ...while its own partition applies its delete: that must wait for the taker.
      await owner.query('BEGIN');
      const ownerPid = (await owner.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const deleting = applier.apply(owner, 'kids', [change('kids', 'delete', k, {}, 41)]);
      await eventually('the owner waiting for a lock', async () => {
        const { rows } = await taker.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [ownerPid]);
        return rows.length === 1 ? true : undefined;
      }, 10_000);
      await taker.query('COMMIT');
      await deleting;
      await owner.query('COMMIT');
    } finally {
      taker.release();
      owner.release();
    }
    expect(await ids('kids')).not.toContain(uuidFor('kids', k));
    const tombstone = await pool.query('SELECT _tm_ts::int AS ts FROM tidemark_tombstones WHERE id = $1', [uuidFor('kids', k)]);
    expect(tombstone.rows).toEqual([{ ts: 41 }]);
    expect(await parked()).toEqual([]);
  }

  it('a change woken in one transaction and a newer delete of its row in another: the delete wins', async () => {
    await ownerDeletesWhileTaken(async (waker, p) => {
      expect((await applier.apply(waker, 'parents', [change('parents', 'upsert', p, { name: 'race' }, 40)])).upserted).toBe(2);
    });
  });

  it('a change taken by the parked-change retry and a newer delete of its row in another transaction: the delete wins', async () => {
    await ownerDeletesWhileTaken(async (retrier, p, k) => {
      // The parent was written without waking the kid (as when it committed while the kid was being parked).
      await retrier.query(`INSERT INTO parents (id, name, extra, _tm_ts, _tm_ord) VALUES ($1, 'missed', '{}', 40, 0)`, [uuidFor('parents', p)]);
      await retrier.query(`INSERT INTO id_map (collection, legacy_object_id, new_id) VALUES ('parents', $1, $2)`, [p.toHexString(), uuidFor('parents', p)]);
      const taken = await takeForRetry(retrier, applier.tables, 10, 0);
      expect(taken.map((t) => t.change.key)).toEqual([canonicalKey(k)]);
      expect((await applier.apply(retrier, 'kids', taken.map((t) => t.change))).upserted).toBe(1);
    });
  });

  it('wakes a chain: a grandchild waits for a child that waits for a parent', async () => {
    const [p, k, l] = [new ObjectId(), new ObjectId(), new ObjectId()];
    await inTransaction('ledger', [change('ledger', 'upsert', l, { kidId: k, amount: Decimal128.fromString('-3') }, 20)]);
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('3') }, 20)]);
    expect((await parked()).map((r) => r.target_table).sort()).toEqual(['kids', 'ledger']);
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'chain' }, 20)]);
    expect(await parked()).toEqual([]);
    expect(await ids('ledger')).toContain(uuidFor('ledger', l));
  });

  it('keeps a delete of a referenced row parked until the references are gone', async () => {
    const [p, k] = [new ObjectId(), new ObjectId()];
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'doomed' }, 30)]);
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('1') }, 30)]);
    const blocked = await inTransaction('parents', [change('parents', 'delete', p, {}, 31)]);
    expect(blocked).toMatchObject({ deleted: 0, parked: 1 });
    expect((await parked())[0]!.reason).toContain('still referenced by kids.parent_id');
    expect(await ids('parents')).toContain(uuidFor('parents', p));

    await inTransaction('kids', [change('kids', 'delete', k, {}, 32)]);
    const producer = new CapturingProducer();
    await retryParked(pool, applier, producer as unknown as Producer, { retryIntervalMs: 0, maxAgeMs: 3_600_000, onExpired: 'report' }, log);
    expect(await ids('parents')).not.toContain(uuidFor('parents', p));
    expect(await parked()).toEqual([]);
    // The delete left its tombstone: an older upsert arriving now cannot resurrect the row.
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'late' }, 29)]);
    expect(await ids('parents')).not.toContain(uuidFor('parents', p));
  });

  it('backs off a change that keeps failing: retried again only after as long as it had been parked', async () => {
    const [p, k] = [new ObjectId(), new ObjectId()];
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'stays' }, 40)]);
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString('1') }, 40)]);
    await inTransaction('parents', [change('parents', 'delete', p, {}, 41)]);
    const producer = new CapturingProducer() as unknown as Producer;
    const policy = { retryIntervalMs: 0, maxAgeMs: 3_600_000, onExpired: 'report' } as const;
    const retriedAt = async () =>
      Number((await pool.query<{ at: string }>(`SELECT extract(epoch FROM retried_at)::text AS at FROM tidemark_parked WHERE id = $1`, [uuidFor('parents', p)])).rows[0]!.at);
    await new Promise((r) => setTimeout(r, 400));
    const first = await retriedAt();
    await retryParked(pool, applier, producer, policy, log); // tried (still referenced): parked again, 400 ms old
    const second = await retriedAt();
    expect(second).toBeGreaterThan(first);
    await retryParked(pool, applier, producer, policy, log); // too soon: it waits 400 ms more
    expect(await retriedAt()).toBe(second);
    await new Promise((r) => setTimeout(r, 500));
    await retryParked(pool, applier, producer, policy, log);
    expect(await retriedAt()).not.toBe(second);
    await inTransaction('kids', [change('kids', 'delete', k, {}, 42)]);
    await pool.query(`UPDATE tidemark_parked SET retried_at = parked_at WHERE id = $1`, [uuidFor('parents', p)]);
    await retryParked(pool, applier, producer, policy, log);
    expect(await ids('parents')).not.toContain(uuidFor('parents', p));
  });

  it('applies rows that refer to rows of their own batch; parks the ones whose chain is dangling', async () => {
    const [a, b, c, d, e] = [new ObjectId(), new ObjectId(), new ObjectId(), new ObjectId(), new ObjectId()];
    const outcome = await inTransaction('people', [
      change('people', 'upsert', a, { referredBy: b }, 40),
      change('people', 'upsert', b, { referredBy: null }, 40),
      change('people', 'upsert', e, { referredBy: c }, 40), // c waits for d, which never comes
      change('people', 'upsert', c, { referredBy: d }, 40),
    ]);
    expect(outcome).toMatchObject({ upserted: 2, parked: 2 });
    expect(await ids('people')).toEqual([uuidFor('people', a), uuidFor('people', b)].sort());
    expect((await parked()).map((r) => r.id).sort()).toEqual([uuidFor('people', c), uuidFor('people', e)].sort());
    await inTransaction('people', [change('people', 'upsert', d, { referredBy: a }, 41)]);
    expect(await ids('people')).toHaveLength(5);
    expect(await parked()).toEqual([]);
  });

  it('rejects only the rows PostgreSQL refuses (CHECK, append-only ledger) and applies their neighbours', async () => {
    const p = new ObjectId();
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'checks' }, 50)]);
    const kids = Array.from({ length: 10 }, () => new ObjectId());
    const outcome = await inTransaction(
      'kids',
      kids.map((k, i) => change('kids', 'upsert', k, { parentId: p, amount: Decimal128.fromString(i === 6 ? '5000' : `${i + 1}`) }, 50)),
    );
    expect(outcome.upserted).toBe(9);
    expect(outcome.rejected).toHaveLength(1);
    expect(outcome.rejected[0]!.change.key).toBe(canonicalKey(kids[6]));
    expect(outcome.rejected[0]!.reason).toContain('ck_kids_amount_limit');

    const entry = new ObjectId();
    await inTransaction('ledger', [change('ledger', 'upsert', entry, { kidId: kids[0], amount: Decimal128.fromString('7') }, 50)]);
    const rewrite = await inTransaction('ledger', [
      change('ledger', 'upsert', entry, { kidId: kids[0], amount: Decimal128.fromString('8') }, 51),
      change('ledger', 'upsert', new ObjectId(), { kidId: kids[1], amount: Decimal128.fromString('1') }, 51),
    ]);
    expect(rewrite.upserted).toBe(1);
    expect(rewrite.rejected.map((r) => r.reason)).toEqual([expect.stringContaining('ledger is append-only (UPDATE refused)')]);
    const gone = await inTransaction('ledger', [change('ledger', 'delete', entry, {}, 52)]);
    expect(gone.rejected.map((r) => r.reason)).toEqual([expect.stringContaining('ledger is append-only (DELETE refused)')]);
    await expect(pool.query('TRUNCATE ledger')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    const { rows } = await pool.query('SELECT amount::text FROM ledger WHERE id = $1', [uuidFor('ledger', entry)]);
    expect(rows).toEqual([{ amount: '7.000000000000000000' }]);
  });

  it('replaying what was applied changes nothing', async () => {
    const dump = async () =>
      (await pool.query(`SELECT 'k' AS t, id::text, amount::text AS v, _tm_ts::text FROM kids UNION ALL SELECT 'p', id::text, name, _tm_ts::text FROM parents ORDER BY 1, 2`)).rows;
    const before = await dump();
    const p = new ObjectId();
    const batch = [change('parents', 'upsert', p, { name: 'again' }, 60)];
    await inTransaction('parents', batch);
    const after = await dump();
    await inTransaction('parents', batch);
    expect(await dump()).toEqual(after);
    expect(after.length).toBe(before.length + 1);
  });

  it("replaces child rows per parent, parks the whole document for a child row's missing parent, cascades deletes", async () => {
    const [p1, p2, b] = [new ObjectId(), new ObjectId(), new ObjectId()];
    await inTransaction('parents', [change('parents', 'upsert', p1, { name: 'product 1' }, 80)]);
    const items = async () =>
      (await pool.query(`SELECT i.position, i.qty, coalesce(string_agg(n.note, ',' ORDER BY n.position), '') AS notes
         FROM basket_items i LEFT JOIN basket_item_notes n ON n.basket_id = i.basket_id AND n.item_position = i.position
         WHERE i.basket_id = $1 GROUP BY i.position, i.qty ORDER BY i.position`, [uuidFor('baskets', b)])).rows;
    await inTransaction('baskets', [change('baskets', 'upsert', b, { items: [
      { productId: p1, qty: 1, notes: ['gift', 'wrap'] }, { productId: p1, qty: 2, notes: [] }, { productId: p1, qty: 3 } ] }, 80)]);
    expect(await items()).toEqual([{ position: 0, qty: 1, notes: 'gift,wrap' }, { position: 1, qty: 2, notes: '' }, { position: 2, qty: 3, notes: '' }]);

    // A newer version with fewer items replaces them all; an older one changes nothing.
    await inTransaction('baskets', [change('baskets', 'upsert', b, { items: [{ productId: p1, qty: 5, notes: ['late'] }] }, 82)]);
    await inTransaction('baskets', [change('baskets', 'upsert', b, { items: [] }, 81)]);
    expect(await items()).toEqual([{ position: 0, qty: 5, notes: 'late' }]);

    // An item referring to a product that has not arrived parks the whole basket version.
    const parkedBasket = await inTransaction('baskets', [change('baskets', 'upsert', b, { items: [
      { productId: p1, qty: 6 }, { productId: p2, qty: 7, notes: ['waits'] }] }, 83)]);
    expect(parkedBasket.parked).toBe(1);
    expect(await items()).toEqual([{ position: 0, qty: 5, notes: 'late' }]);
    await inTransaction('parents', [change('parents', 'upsert', p2, { name: 'product 2' }, 83)]);
    expect(await items()).toEqual([{ position: 0, qty: 6, notes: '' }, { position: 1, qty: 7, notes: 'waits' }]);

    // A child row PostgreSQL refuses (qty > 0) rejects its document only.
    const other = new ObjectId();
    const refused = await inTransaction('baskets', [
      change('baskets', 'upsert', other, { items: [{ productId: p1, qty: 0 }] }, 84),
      change('baskets', 'upsert', new ObjectId(), { items: [{ productId: p1, qty: 1 }] }, 84),
    ]);
    expect(refused.upserted).toBe(1);
    expect(refused.rejected.map((r) => r.change.key)).toEqual([canonicalKey(other)]);

    await inTransaction('baskets', [change('baskets', 'delete', b, {}, 90)]);
    expect(await items()).toEqual([]);
    const notes = await pool.query('SELECT count(*)::int AS n FROM basket_item_notes WHERE basket_id = $1', [uuidFor('baskets', b)]);
    expect(notes.rows[0].n).toBe(0);
  });

  it('applies the members of a reference cycle together, whatever arrives first', async () => {
    for (const order of [['orders', 'items', 'parents'], ['items', 'orders', 'parents'], ['parents', 'items', 'orders'], ['orders', 'parents', 'items']]) {
      const [p, o, i] = [new ObjectId(), new ObjectId(), new ObjectId()];
      const docs: Record<string, Change> = {
        parents: change('parents', 'upsert', p, { name: 'cycle' }, 100),
        orders: change('orders', 'upsert', o, { parentId: p, selectedItemId: i }, 100),
        items: change('items', 'upsert', i, { orderId: o }, 100),
      };
      for (const table of order) await inTransaction(table, [docs[table]!]);
      expect(await ids('orders'), order.join(' → ')).toContain(uuidFor('orders', o));
      expect(await ids('items'), order.join(' → ')).toContain(uuidFor('items', i));
      expect(await parked(), order.join(' → ')).toEqual([]);
    }
  });

  it('a cycle member refused at commit waits for the member it lacks, so they meet even when retried apart', async () => {
    const [p, o, i] = [new ObjectId(), new ObjectId(), new ObjectId()];
    await inTransaction('parents', [change('parents', 'upsert', p, { name: 'cycle' }, 110)]);
    await inTransaction('items', [change('items', 'upsert', i, { orderId: o }, 110)]);
    // The item's wake-up is missed (a concurrent transaction held it): it waits for nothing in particular.
    await pool.query(`UPDATE tidemark_parked SET waiting_on = '{}' WHERE id = $1`, [uuidFor('items', i)]);
    await inTransaction('orders', [change('orders', 'upsert', o, { parentId: p, selectedItemId: i }, 110)]);
    const { rows } = await pool.query<{ waiting_on: string[]; reason: string }>(`SELECT waiting_on::text[] AS waiting_on, reason FROM tidemark_parked WHERE id = $1`, [
      uuidFor('orders', o),
    ]);
    expect(rows[0]?.reason).toContain('PostgreSQL refused');
    expect(rows[0]?.waiting_on).toEqual([uuidFor('items', i)]);

    // Retried apart (their back-offs differ): the order alone, then the item alone.
    const producer = new CapturingProducer() as unknown as Producer;
    const policy = { retryIntervalMs: 0, maxAgeMs: 3_600_000, onExpired: 'report' } as const;
    const hold = (key: string) => pool.query(`UPDATE tidemark_parked SET parked_at = now() - interval '1 hour', retried_at = now() WHERE id = $1`, [key]);
    const free = (key: string) => pool.query(`UPDATE tidemark_parked SET retried_at = parked_at WHERE id = $1`, [key]);
    await hold(uuidFor('items', i));
    await free(uuidFor('orders', o));
    await retryParked(pool, applier, producer, policy, log);
    await hold(uuidFor('orders', o));
    await free(uuidFor('items', i));
    await retryParked(pool, applier, producer, policy, log);
    expect(await ids('orders')).toContain(uuidFor('orders', o));
    expect(await ids('items')).toContain(uuidFor('items', i));
    expect(await parked()).toEqual([]);
  });

  it('dead-letters a parked change once it expires, with the original record and the reason', async () => {
    const k = new ObjectId();
    await inTransaction('kids', [change('kids', 'upsert', k, { parentId: new ObjectId(), amount: Decimal128.fromString('1') }, 70)]);
    const producer = new CapturingProducer();
    await retryParked(pool, applier, producer as unknown as Producer, { retryIntervalMs: 0, maxAgeMs: 0, onExpired: 'dead-letter' }, log);
    const sent = producer.sent;
    expect(sent.map((t) => t.topic)).toEqual(['t.kids.dlq']);
    const [message] = sent[0]!.messages;
    expect(String(message!.key)).toBe(canonicalKey(k));
    expect(String(message!.value)).toBe('bytes');
    expect(String(message!.headers!['tm.reason'])).toMatch(/^parked longer than 0 ms: waiting for parent: kids.parent_id/);
    expect(await parked()).toEqual([]);
  });
});
