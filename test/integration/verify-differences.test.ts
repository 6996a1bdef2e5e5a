// The verifier on a replica of the seeded Amanat workload (source and sink running):
// clean verifies clean (rejections and parked orphans accounted for, not differences),
// and each kind of corruption made behind tidemark's back in PostgreSQL is found
// with its exact key and fields (the audit's CR-9/CR-10/CR-12 and reconcile gaps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { canonicalKey, uuidFor } from '../../src/transform/index.js';
import { summarize, verify, latestVerification, type KeyReport, type Report } from '../../src/verify/index.js';
import type { GeneratedDoc } from '../../src/workload/index.js';
import { dropTestSchema } from '../helpers/isolated.js';
import { workloadReplica, type Replica } from '../helpers/replica.js';

const logger = createLogger({ level: process.env.VERIFY_TEST_LOG ?? 'error' });
let replica: Replica;

const accepted = (collection: string, extra: (d: GeneratedDoc) => boolean = () => true) =>
  replica.docs.filter((d) => d.collection === collection && d.expect === 'accepted' && extra(d));
const keyOf = (d: GeneratedDoc) => uuidFor(d.collection, d.doc._id);
const differencesOf = (report: Report, collection: string): KeyReport[] =>
  report.collections.find((c) => c.collection === collection)!.differences.items;

describe('tidemark verify: differences', () => {
  beforeAll(async () => {
    replica = await workloadReplica('verifydiff', logger, 20);
  }, 300_000);
  afterAll(async () => {
    await replica?.pipeline.stop();
    await dropTestSchema(replica?.config, replica?.pool);
  });

  it('a clean replica verifies clean: rejected documents are dead letters, orphans are parked', async () => {
    const report = await verify(replica.config, logger, replica.mappings, { settleTimeoutMs: 30_000 });
    expect(report.status, summarize(report)).toBe('clean');
    expect(report.exitCode).toBe(0);
    expect(report.differences).toBe(0);
    const total = (pick: (c: Report['collections'][number]) => number) => report.collections.reduce((n, c) => n + pick(c), 0);
    expect(total((c) => c.counts.rejected)).toBe(replica.docs.filter((d) => d.expect === 'rejected').length);
    expect(total((c) => c.counts.parked)).toBe(replica.docs.filter((d) => d.expect === 'orphan').length);
    expect(total((c) => c.counts.scanned)).toBe(replica.docs.length);
    expect(total((c) => c.counts.equal)).toBe(replica.docs.filter((d) => d.expect === 'accepted').length);
    // Among the documents found equal: lean { $numberDecimal } amounts beside Decimal128 ones (CR-10).
    expect(replica.docs.some((d) => d.expect === 'accepted' && /lean \{\$numberDecimal\}/.test(d.why ?? ''))).toBe(true);
    expect(report.checks.foreignKeys.checked).toBeGreaterThan(30);
    expect(report.checks.ledger.ran).toBe(true);
    expect(report.checks.moneySums.some((s) => s.table === 'payments' && s.equal)).toBe(true);
    const recorded = await latestVerification(replica.pool);
    expect(recorded?.clean).toBe(true);
    expect(recorded?.report.finishedAt).toBe(report.finishedAt);
  }, 120_000);

  it('a change parked longer than sink.parkedMaxAgeMs is a difference, named with its key', async () => {
    const orphans = replica.docs.filter((d) => d.expect === 'orphan');
    const config = { ...replica.config, sink: { ...replica.config.sink, parkedMaxAgeMs: 0 } };
    const report = await verify(config, logger, replica.mappings, { settleTimeoutMs: 30_000 });
    expect(report.status, summarize(report)).toBe('differences');
    const found = report.collections.flatMap((c) => c.differences.items);
    expect(found.map((d) => d.key).sort()).toEqual(orphans.map(keyOf).sort());
    for (const d of found) expect(d.note).toMatch(/^parked since .*, longer than sink\.parkedMaxAgeMs \(0 ms\): waiting for parent/);
  }, 120_000);

  it('finds each injected difference with its exact key and fields', async () => {
    const { pool } = replica;
    const [payment, fkPayment] = accepted('payments');
    const points = accepted('pointTransactions')[0]!;
    const user = accepted('users')[0]!;
    const request = accepted('purchaseRequests', (d) => Array.isArray(d.doc.specifications) && d.doc.specifications.length > 0)[0]!;
    // A lean { $numberDecimal } amount (the audit's CR-10 read every one of them as equal), off by 10^-18.
    const offer = accepted('sellerOffers', (d) => /lean/.test(d.why ?? ''))[0]!;
    const stray = '7f3c1a52-9b1e-4c8e-a0d1-5e7b2c9d4f60';
    const ghost = '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';

    const { rows: before } = await pool.query('SELECT trim_scale(amount)::text AS amount FROM payments WHERE id = $1', [keyOf(payment!)]);
    const { rows: after } = await pool.query('UPDATE payments SET amount = amount + 1.25 WHERE id = $1 RETURNING trim_scale(amount)::text AS amount', [
      keyOf(payment!),
    ]);
    const { rows: nudged } = await pool.query(
      'UPDATE seller_offers SET price_amount = price_amount + 0.000000000000000001 WHERE id = $1 RETURNING trim_scale(price_amount)::text AS amount',
      [keyOf(offer)],
    );
    await pool.query('DELETE FROM point_transactions WHERE id = $1', [keyOf(points)]);
    await pool.query(`DELETE FROM id_map WHERE collection = 'users' AND new_id = $1`, [keyOf(user)]);
    await pool.query(
      `INSERT INTO payments (id, legacy_id, amount, currency, status, provider, created_at, updated_at, extra, _tm_ts, _tm_ord)
       VALUES ($1, 'not-a-mongo-id', 5, 'USDT', 'pending', 'request_network', now(), now(), '{}', 1, 0)`,
      [stray],
    );
    await pool.query(`UPDATE purchase_request_specifications SET value = 'tampered' WHERE purchase_request_id = $1 AND position = 0`, [keyOf(request)]);
    await pool.query('DROP TRIGGER funds_ledger_no_truncate ON funds_ledger_entries');
    // A foreign key bypassed (triggers off for this session), as a careless manual fix would.
    const client = await pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query('UPDATE payments SET buyer_id = $2 WHERE id = $1', [keyOf(fkPayment!), ghost]);
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }

    const report = await verify(replica.config, logger, replica.mappings, { settleTimeoutMs: 30_000 });
    expect(report.status, summarize(report)).toBe('differences');
    expect(report.exitCode).toBe(1);

    const payments = differencesOf(report, 'payments');
    const edited = payments.find((d) => d.key === keyOf(payment!));
    expect(edited?.id).toBe(canonicalKey(payment!.doc._id));
    expect(edited?.problems).toEqual([
      { kind: 'fields', fields: [{ column: 'amount', mongo: before[0].amount, postgres: after[0].amount }] },
    ]);
    expect(payments.find((d) => d.key === stray)).toMatchObject({ id: null, problems: [{ kind: 'extra-row' }] });
    const rewired = payments.find((d) => d.key === keyOf(fkPayment!));
    expect(rewired?.problems).toEqual([{ kind: 'fields', fields: [expect.objectContaining({ column: 'buyer_id', postgres: ghost })] }]);
    expect(payments).toHaveLength(3);

    const leanAmount = (offer.doc.price as { amount: { $numberDecimal: string } }).amount.$numberDecimal;
    expect(nudged[0].amount).toBe(`${leanAmount}${'0'.repeat(18 - leanAmount.split('.')[1]!.length - 1)}1`);
    expect(differencesOf(report, 'sellerOffers')).toEqual([
      expect.objectContaining({ key: keyOf(offer), problems: [{ kind: 'fields', fields: [{ column: 'price_amount', mongo: leanAmount, postgres: nudged[0].amount }] }] }),
    ]);
    expect(differencesOf(report, 'pointTransactions')).toEqual([
      expect.objectContaining({ key: keyOf(points), id: canonicalKey(points.doc._id), problems: [{ kind: 'missing-row' }] }),
    ]);
    expect(differencesOf(report, 'users')).toEqual([
      expect.objectContaining({ key: keyOf(user), problems: [{ kind: 'id-map', expected: keyOf(user), found: null }] }),
    ]);
    const spec = (request.doc.specifications as Array<{ value?: string }>)[0]!;
    expect(differencesOf(report, 'purchaseRequests')).toEqual([
      expect.objectContaining({
        key: keyOf(request),
        problems: [
          {
            kind: 'child-rows',
            table: 'purchase_request_specifications',
            rows: [{ key: { purchase_request_id: keyOf(request), position: '0' }, change: 'fields', fields: [{ column: 'value', mongo: spec.value ?? null, postgres: 'tampered' }] }],
          },
        ],
      }),
    ]);
    expect(report.checks.ledger.triggers).toEqual([expect.objectContaining({ check: 'ledger-trigger', table: 'funds_ledger_entries', detail: expect.stringContaining('TRUNCATE') })]);
    const fk = report.checks.foreignKeys.violations.find((v) => v.detail.includes('fk_payments_buyer_id'));
    expect(fk?.keys).toEqual([{ id: keyOf(fkPayment!), buyer_id: ghost }]);
    // Nothing else: every other collection verified equal.
    const others = report.collections.filter((c) => !['payments', 'sellerOffers', 'pointTransactions', 'users', 'purchaseRequests'].includes(c.collection));
    expect(others.filter((c) => c.counts.differences > 0).map((c) => c.collection)).toEqual([]);
    expect(report.inFlight).toBe(0);
  }, 120_000);
});
