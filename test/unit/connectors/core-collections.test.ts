// The money/marketplace collections: their connectors/*.yaml mappings against the
// core workload generator (src/workload/core.ts). Every generated document is
// transformed; accepted and orphan documents must transform, rejected ones must be
// RejectedRecords, and each hard case must come out with its exact value.
import { describe, expect, it } from 'vitest';
import { BSON, Decimal128, EJSON, Long, ObjectId } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import {
  allChildMappings, loadMappings, transformDocument, uuidFor, type Mapping, type Row, type Transformed,
} from '../../../src/transform/index.js';
import { CORE_COLLECTIONS, generateCore } from '../../../src/workload/core.js';
import type { GeneratedDoc, HardCaseRates } from '../../../src/workload/model.js';
import { Random } from '../../../src/workload/random.js';

const mappings = new Map(loadMappings('connectors', [...CORE_COLLECTIONS]).map((m) => [m.collection, m]));
const mappingOf = (collection: string): Mapping => mappings.get(collection)!;

const RATES: HardCaseRates = {
  nullAmount: 0.05, leanDecimal: 0.2, scientificNotation: 0.1, weiBeyond2e53: 0.3, legacyEnum: 0.5,
  oauthWithoutEmail: 0.2, ledgerWithoutEntryType: 0.05, danglingRef: 0.03, longArrays: 0.03,
};
const PR = 400;
const { docs, pools } = generateCore(new Random(42), { purchaseRequests: PR, rates: RATES });

type Outcome = { ok: true; out: Transformed } | { ok: false; error: RejectedRecord };
function run(d: GeneratedDoc): Outcome {
  try {
    return { ok: true, out: transformDocument(mappingOf(d.collection), d.doc) };
  } catch (error) {
    if (error instanceof RejectedRecord) return { ok: false, error };
    throw error;
  }
}
const results = docs.map((d) => ({ d, r: run(d) }));
const transformed = (d: GeneratedDoc): Transformed => {
  const r = run(d);
  if (!r.ok) throw new Error(`${d.collection} ${String(d.doc._id)} rejected: ${r.error.message}`);
  return r.out;
};
const withWhy = (label: string): GeneratedDoc[] => docs.filter((d) => d.why?.split('; ').includes(label));
const childRows = (out: Transformed, table: string): Row[] => out.children.find((c) => c.table === table)!.rows;

/** Accepted documents' uuids per collection: the rows that will exist in PostgreSQL. */
const acceptedUuids = new Map<string, Set<string>>(CORE_COLLECTIONS.map((c) => [c, new Set<string>()]));
for (const d of docs) if (d.expect === 'accepted') acceptedUuids.get(d.collection)!.add(uuidFor(d.collection, d.doc._id));

/** [references, uuid] of every non-null ref column value of a document, its child rows included. */
function refValues(m: Mapping, out: Transformed): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const collect = (columns: Mapping['columns'], rows: readonly Row[]): void => {
    for (const col of columns) {
      if (col.type !== 'ref' || !CORE_COLLECTIONS.includes(col.references as never)) continue;
      for (const row of rows) if (row[col.column] !== null) found.push([col.references!, row[col.column]!]);
    }
  };
  collect(m.columns, [out.row]);
  allChildMappings(m).forEach((child, i) => collect(child.columns, out.children[i]!.rows));
  return found;
}

/** numeric text compare, exact (non-negative plain decimals with up to 18 fractional digits). */
function scaled(text: string): bigint {
  const [whole = '0', frac = ''] = text.split('.');
  return BigInt(whole) * 10n ** 18n + BigInt(frac.padEnd(18, '0'));
}

describe('core collections: mappings', () => {
  it('load with their child tables', () => {
    expect([...mappings.values()].map((m) => m.table).sort()).toEqual([
      'categories', 'derived_destinations', 'funds_ledger_entries', 'payment_quotes', 'payments', 'point_transactions',
      'purchase_requests', 'release_holds', 'request_templates', 'seller_offers', 'trezor_accounts', 'users',
    ]);
    expect(allChildMappings(mappingOf('purchaseRequests')).map((c) => [c.table, c.parentTable])).toEqual([
      ['purchase_request_delivery_info', 'purchase_requests'],
      ['delivery_attempts', 'purchase_request_delivery_info'],
      ['purchase_request_delivery_address', 'purchase_requests'],
      ['purchase_request_seller_delivery_info', 'purchase_requests'],
      ['purchase_request_service_info', 'purchase_requests'],
      ['purchase_request_specifications', 'purchase_requests'],
      ['purchase_request_preferred_sellers', 'purchase_requests'],
      ['purchase_request_tags', 'purchase_requests'],
    ]);
    expect(allChildMappings(mappingOf('purchaseRequests')).find((c) => c.table === 'purchase_request_preferred_sellers')!.key)
      .toEqual(['purchase_request_id', 'seller_id']);
    expect(allChildMappings(mappingOf('derivedDestinations')).map((c) => c.table)).toEqual(['derived_destination_sweeps']);
    expect(allChildMappings(mappingOf('trezorAccounts')).map((c) => c.table)).toEqual(['trezor_derived_addresses']);
  });
});

describe('core collections: generator', () => {
  it('is deterministic for a seed', () => {
    const again = generateCore(new Random(42), { purchaseRequests: PR, rates: RATES });
    expect(EJSON.stringify(again.docs.map((d) => d.doc))).toBe(EJSON.stringify(docs.map((d) => d.doc)));
    expect(again.docs.map((d) => [d.expect, d.why])).toEqual(docs.map((d) => [d.expect, d.why]));
  });

  it('keeps realistic ratios', () => {
    const count = (c: string): number => docs.filter((d) => d.collection === c).length;
    const near = (c: string, want: number, tolerance = 0.1): void => {
      expect(Math.abs(count(c) - want), `${c}: ${count(c)} vs ${want}`).toBeLessThanOrEqual(Math.max(1, want * tolerance));
    };
    near('purchaseRequests', PR, 0);
    near('users', PR / 3);
    expect(count('categories')).toBeGreaterThanOrEqual(38);
    expect(count('categories')).toBeLessThanOrEqual(42);
    near('requestTemplates', PR / 10);
    near('sellerOffers', 2 * PR);
    near('payments', 0.7 * PR);
    near('paymentQuotes', count('payments'));
    near('fundsLedger', 1.5 * PR);
    near('derivedDestinations', 0.3 * PR);
    near('trezorAccounts', count('users') / 20, 0.3);
    near('pointTransactions', PR);
    near('releaseHolds', count('payments') / 5, 0.2);
  });

  it('pools hold exactly the accepted ids', () => {
    for (const c of CORE_COLLECTIONS) {
      const accepted = docs.filter((d) => d.collection === c && d.expect === 'accepted').map((d) => (d.doc._id as ObjectId).toHexString());
      expect(pools[c]!.map((id) => id.toHexString()), c).toEqual(accepted);
    }
  });
});

describe('core collections: every generated document through its mapping', () => {
  it('accepted and orphan documents transform; rejected ones are RejectedRecords', () => {
    const wrong = results
      .filter(({ d, r }) => r.ok !== (d.expect !== 'rejected'))
      .map(({ d, r }) => `${d.collection} ${String(d.doc._id)} expected ${d.expect} (${d.why ?? ''}): ${r.ok ? 'transformed' : r.error.message}`);
    expect(wrong).toEqual([]);
    expect(docs.some((d) => d.expect === 'rejected')).toBe(true);
    expect(docs.some((d) => d.expect === 'orphan')).toBe(true);
  });

  it('accepted documents reference only accepted documents; orphans reference one that never exists', () => {
    const problems: string[] = [];
    for (const { d, r } of results) {
      if (!r.ok) continue;
      const missing = refValues(mappingOf(d.collection), r.out).filter(([c, id]) => !acceptedUuids.get(c)!.has(id));
      if (d.expect === 'accepted' && missing.length > 0) problems.push(`${d.collection} ${String(d.doc._id)} references missing ${missing.join(', ')}`);
      if (d.expect === 'orphan' && missing.length === 0) problems.push(`${d.collection} ${String(d.doc._id)} is marked orphan but references nothing missing`);
    }
    expect(problems).toEqual([]);
  });

  it('accepted documents satisfy the CHECKs only PostgreSQL enforces (cross-field, unique keys)', () => {
    const accepted = results.filter(({ d, r }) => r.ok && d.expect === 'accepted') as Array<{ d: GeneratedDoc; r: { ok: true; out: Transformed } }>;
    const rows = (c: string) => accepted.filter(({ d }) => d.collection === c).map(({ r }) => r.out);
    for (const { row } of rows('users')) {
      if (row.points_available !== null) expect(scaled(row.points_available!) <= scaled(row.points_total!)).toBe(true);
    }
    for (const { row } of rows('requestTemplates')) {
      if (row.max_usage !== null) expect(Number(row.usage_count)).toBeLessThanOrEqual(Number(row.max_usage));
    }
    for (const { row } of rows('paymentQuotes')) {
      expect(scaled(row.settle_amount!) >= scaled(row.raw_settle_amount!), `${row.settle_amount} >= ${row.raw_settle_amount}`).toBe(true);
    }
    for (const out of rows('purchaseRequests')) {
      const sellers = childRows(out, 'purchase_request_preferred_sellers').map((s) => s.seller_id);
      expect(new Set(sellers).size).toBe(sellers.length);
    }
    const activeNames = rows('categories').filter(({ row }) => row.is_active === 'true').map(({ row }) => row.name);
    expect(new Set(activeNames).size).toBe(activeNames.length);
  });

  it('transform the same after a BSON round trip, promoted or not (what the source ships)', () => {
    const sample = docs.filter((_, i) => i % 7 === 0 || docs[i]!.why !== undefined);
    for (const d of sample) {
      const bytes = BSON.serialize(d.doc);
      const direct = run(d);
      for (const decoded of [BSON.deserialize(bytes), BSON.deserialize(bytes, { promoteValues: false })]) {
        const again = run({ ...d, doc: decoded });
        expect(again.ok, `${d.collection} ${String(d.doc._id)}`).toBe(direct.ok);
        if (again.ok && direct.ok) {
          expect(again.out.children).toEqual(direct.out.children);
          expect({ ...again.out.row, extra: null }).toEqual({ ...direct.out.row, extra: null });
        }
      }
    }
  });
});

describe('core collections: hard cases, exact outcomes', () => {
  const LABELS = [
    'NULL payment amount (CR-4)', 'NULL price.amount', 'lean {$numberDecimal} amount', 'tokenPriceUsd Double 1e-7',
    "Decimal128 '1E+21' wei balance", 'sweep amount Double 1e21', 'Decimal128 budget in exponent form 1.25E+3',
    'wei beyond 2^53 as Long', 'wei beyond 2^53 as Decimal128', 'wei beyond 2^53 as numeric string',
    "legacy provider spelling 'request.network'", "legacy status spelling 'canceled'", 'OAuth user without email',
    'ledger entry without entryType', 'payments.metadata.sellerId fake String(ObjectId)', '500 specifications', '200 sweeps',
    'inactive duplicate category name', 'dangling users.referredBy', 'dangling categories.parentId',
    'dangling preferredSellers[] user', 'dangling purchaseRequests.buyerId', 'dangling sellerOffers.purchaseRequestId',
    'dangling paymentQuotes.sellerOfferId', 'dangling fundsLedger.paymentId', 'dangling derivedDestinations.sellerOfferId',
    'dangling trezorAccounts.userId', 'dangling pointTransactions.referredUserId', 'dangling releaseHolds.paymentId',
    '1000 derived addresses',
  ];

  // Rare cases (one Trezor account per 20 users, 32 sub-categories) need high rates to show up.
  const stress = generateCore(new Random(7), { purchaseRequests: 300, rates: { ...RATES, danglingRef: 0.3, longArrays: 0.5 } });

  it('every hard case occurs, and every label the generator writes is a known one', () => {
    const seen = new Set([...docs, ...stress.docs].flatMap((d) => d.why?.split('; ') ?? []));
    expect([...seen].filter((l) => !LABELS.includes(l))).toEqual([]);
    expect(LABELS.filter((l) => !seen.has(l))).toEqual([]);
  });

  it('with high dangling and long-array rates too, exactly the rejected documents are RejectedRecords', () => {
    const accepted = new Set(stress.docs.filter((d) => d.expect === 'accepted').map((d) => uuidFor(d.collection, d.doc._id)));
    const wrong: string[] = [];
    for (const d of stress.docs) {
      const r = run(d);
      if (r.ok !== (d.expect !== 'rejected')) wrong.push(`${d.collection} ${String(d.doc._id)} expected ${d.expect}`);
      if (!r.ok) continue;
      const missing = refValues(mappingOf(d.collection), r.out).filter(([, id]) => !accepted.has(id));
      if ((d.expect === 'orphan') !== (missing.length > 0)) wrong.push(`${d.collection} ${String(d.doc._id)} ${d.expect} but ${missing.length} missing refs`);
    }
    expect(wrong).toEqual([]);
    expect(stress.docs.filter((d) => d.expect === 'orphan').length).toBeGreaterThan(50);
  });

  it('NULL money amounts are rejected, never defaulted (CR-4)', () => {
    for (const d of [...withWhy('NULL payment amount (CR-4)'), ...withWhy('NULL price.amount')]) {
      expect(d.expect).toBe('rejected');
      const r = run(d);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/column (amount|price_amount) \(path (amount|price\.amount)\) is NULL but NOT NULL/);
    }
  });

  it('ledger entries without entryType are rejected', () => {
    const cases = withWhy('ledger entry without entryType');
    expect(cases.length).toBeGreaterThan(0);
    for (const d of cases) {
      expect(d.expect).toBe('rejected');
      const r = run(d);
      expect(!r.ok && r.error.message).toMatch(/column entry_type \(path entryType\) is missing but NOT NULL/);
    }
  });

  it('lean { $numberDecimal } amounts land exactly (CR-10)', () => {
    const money: Record<string, Array<[string, string]>> = {
      payments: [['amount', 'amount']], sellerOffers: [['price_amount', 'price.amount']], purchaseRequests: [['budget', 'budget']],
      requestTemplates: [['budget', 'budget'], ['proposal_price', 'proposal.price']], fundsLedger: [['amount', 'amount']],
      paymentQuotes: [['offer_amount', 'offerAmount']],
    };
    let checked = 0;
    for (const d of withWhy('lean {$numberDecimal} amount').filter((x) => x.expect !== 'rejected')) {
      const { row } = transformed(d);
      for (const [column, path] of money[d.collection]!) {
        const value = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], d.doc);
        if (value !== null && typeof value === 'object' && '$numberDecimal' in value) {
          expect(row[column]).toBe((value as { $numberDecimal: string }).$numberDecimal);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('scientific-notation-prone numbers come out as plain exact decimals', () => {
    for (const d of withWhy('tokenPriceUsd Double 1e-7')) {
      expect(d.doc.tokenPriceUsd).toBe(1e-7);
      if (d.expect !== 'rejected') expect(transformed(d).row.token_price_usd).toBe('0.0000001');
    }
    for (const d of withWhy("Decimal128 '1E+21' wei balance")) {
      expect(String(d.doc.lastKnownBalance)).toBe('1E+21');
      expect(transformed(d).row.last_known_balance).toBe('1000000000000000000000');
    }
    for (const d of withWhy('sweep amount Double 1e21')) {
      expect(childRows(transformed(d), 'derived_destination_sweeps').map((s) => s.amount)).toContain('1000000000000000000000');
    }
    for (const d of withWhy('Decimal128 budget in exponent form 1.25E+3')) {
      expect(transformed(d).row.budget).toBe('1250');
    }
  });

  it('wei beyond 2^53 is exact as Long, Decimal128 or numeric string', () => {
    const forms: Array<[string, (v: unknown) => string]> = [
      ['wei beyond 2^53 as Long', (v) => (v as Long).toString()],
      ['wei beyond 2^53 as Decimal128', (v) => (v as Decimal128).toString()],
      ['wei beyond 2^53 as numeric string', (v) => v as string],
    ];
    for (const [label, text] of forms) {
      const cases = withWhy(label);
      expect(cases.length, label).toBeGreaterThan(0);
      for (const d of cases) {
        const expected = text(d.doc.lastKnownBalance);
        expect(expected).toMatch(/^\d+$/); // no exponent in the source text itself
        expect(BigInt(expected) > 2n ** 53n).toBe(true);
        expect(transformed(d).row.last_known_balance).toBe(expected);
      }
    }
    const longs = withWhy('wei beyond 2^53 as Long').map((d) => d.doc.lastKnownBalance);
    expect(longs.every((v) => v instanceof Long)).toBe(true);
    const uint256 = docs.find((d) => d.doc.lastKnownBalance === '115792089237316195423570985008687907853269984665640564039457584007913129639935');
    expect(uint256 && transformed(uint256).row.last_known_balance).toBe('115792089237316195423570985008687907853269984665640564039457584007913129639935');
  });

  it('legacy enum spellings are accepted and mapped', () => {
    for (const d of withWhy("legacy provider spelling 'request.network'").filter((x) => x.expect !== 'rejected')) {
      expect(d.doc.provider).toBe('request.network');
      expect(transformed(d).row.provider).toBe('request_network');
    }
    const canceled = withWhy("legacy status spelling 'canceled'").filter((x) => x.expect !== 'rejected');
    expect(new Set(canceled.map((d) => d.collection)).size).toBeGreaterThanOrEqual(3);
    for (const d of canceled) {
      expect(d.doc.status).toBe('canceled');
      expect(transformed(d).row.status).toBe('cancelled');
    }
  });

  it('OAuth users without email are accepted with email NULL', () => {
    const cases = withWhy('OAuth user without email');
    expect(cases.some((d) => !('email' in d.doc)) && cases.some((d) => d.doc.email === null)).toBe(true);
    for (const d of cases.filter((x) => x.expect === 'accepted')) {
      const { row } = transformed(d);
      expect(row.email).toBeNull();
      expect(row.auth_provider).toBe('google');
      expect(row.google_id).toMatch(/^\d{18}$/);
    }
  });

  it("a fake String(ObjectId) metadata.sellerId is an orphan payment (createPaymentRecord's fallback)", () => {
    const cases = withWhy('payments.metadata.sellerId fake String(ObjectId)');
    expect(cases.length).toBeGreaterThan(0);
    for (const d of cases) {
      expect(d.expect).toBe('orphan');
      const hex = (d.doc.metadata as { sellerId: string }).sellerId;
      expect(hex).toMatch(/^[0-9a-f]{24}$/);
      const { row } = transformed(d);
      expect(row.seller_id).toBe(uuidFor('users', new ObjectId(hex)));
      expect(acceptedUuids.get('users')!.has(row.seller_id!)).toBe(false);
    }
  });

  it('long embedded arrays become child rows, all of them, in order', () => {
    const prs = withWhy('500 specifications');
    expect(prs.length).toBeGreaterThan(0);
    for (const d of prs) {
      const specs = childRows(transformed(d), 'purchase_request_specifications');
      expect(specs).toHaveLength(500);
      expect(specs.map((s) => s.position)).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
      expect(specs.every((s) => s.purchase_request_id === uuidFor('purchaseRequests', d.doc._id))).toBe(true);
    }
    for (const d of withWhy('200 sweeps')) expect(childRows(transformed(d), 'derived_destination_sweeps')).toHaveLength(200);

    const long = generateCore(new Random(7), { purchaseRequests: 60, rates: { ...RATES, danglingRef: 0, nullAmount: 0, longArrays: 1 } });
    const trezor = long.docs.filter((d) => d.collection === 'trezorAccounts');
    expect(trezor.length).toBeGreaterThan(0);
    for (const d of trezor) {
      expect(d.why).toBe('1000 derived addresses');
      const rows = childRows(transformed(d), 'trezor_derived_addresses');
      expect(rows).toHaveLength(1000);
      expect(rows[999]).toMatchObject({ trezor_account_id: uuidFor('trezorAccounts', d.doc._id), position: '999', address_index: '999' });
    }
  });

  it('preferred sellers, tags and nested delivery attempts land in their child tables', () => {
    const withChildren = docs.filter((d) => d.collection === 'purchaseRequests' && d.expect === 'accepted'
      && Array.isArray(d.doc.preferredSellers) && Array.isArray(d.doc.tags)
      && Array.isArray((d.doc.deliveryInfo as { deliveryAttempts?: unknown } | undefined)?.deliveryAttempts));
    expect(withChildren.length).toBeGreaterThan(0);
    const d = withChildren[0]!;
    const out = transformed(d);
    const pr = uuidFor('purchaseRequests', d.doc._id);
    expect(childRows(out, 'purchase_request_preferred_sellers')).toEqual(
      (d.doc.preferredSellers as ObjectId[]).map((s, i) => ({ purchase_request_id: pr, position: String(i), seller_id: uuidFor('users', s) })),
    );
    expect(childRows(out, 'purchase_request_tags').map((t) => t.tag)).toEqual(d.doc.tags);
    const attempts = (d.doc.deliveryInfo as { deliveryAttempts: Array<{ sellerId: ObjectId }> }).deliveryAttempts;
    expect(childRows(out, 'delivery_attempts').map((a) => [a.purchase_request_id, a.seller_id]))
      .toEqual(attempts.map((a) => [pr, uuidFor('users', a.sellerId)]));
    expect(childRows(out, 'purchase_request_delivery_info')).toHaveLength(1);
    // The FK cycle: the request's selected offer points back at the request.
    const offer = docs.find((o) => o.collection === 'sellerOffers' && (o.doc._id as ObjectId).equals(d.doc.selectedOfferId as ObjectId))!;
    expect(offer.expect).toBe('accepted');
    expect(transformed(offer).row.purchase_request_id).toBe(pr);
    expect(out.row.selected_offer_id).toBe(uuidFor('sellerOffers', offer.doc._id));
  });

  it('Decimal128 values written by the generator are canonical money text', () => {
    const offers = docs.filter((d) => d.collection === 'sellerOffers' && d.expect === 'accepted');
    for (const d of offers.slice(0, 50)) {
      const amount = (d.doc.price as { amount: unknown }).amount;
      const text = amount instanceof Decimal128 ? amount.toString() : (amount as { $numberDecimal: string }).$numberDecimal;
      expect(transformed(d).row.price_amount).toBe(text);
    }
  });
});
