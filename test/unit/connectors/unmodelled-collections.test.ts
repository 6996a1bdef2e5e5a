// The audit's "Models Not Yet in PG Schema" (connectors/disputes.yaml ... tempVerifications.yaml):
// every document src/workload/extended.ts generates transforms exactly as its
// expectation says (accepted and orphan: rows; rejected: a RejectedRecord), orphans
// really point at a missing parent while accepted documents never do, and the
// mappings agree with schemas/sql/0004_unmodelled_collections.sql.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EJSON, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { RejectedRecord } from '../../../src/ops/errors.js';
import {
  allChildMappings, childSqlTypes, columnSqlTypes, loadMappings, transformDocument, uuidFor,
} from '../../../src/transform/index.js';
import type { ColumnMapping, Mapping, Transformed } from '../../../src/transform/index.js';
import { EXTENDED_COLLECTIONS, generateExtended } from '../../../src/workload/extended.js';
import { DEFAULT_RATES } from '../../../src/workload/model.js';
import type { GeneratedDoc, HardCaseRates, Pools } from '../../../src/workload/model.js';
import { Random } from '../../../src/workload/random.js';

const CONNECTORS = fileURLToPath(new URL('../../../connectors', import.meta.url));
const DDL = readFileSync(fileURLToPath(new URL('../../../schemas/sql/0004_unmodelled_collections.sql', import.meta.url)), 'utf8');
/** Parents from the core collections (0002/0003), by MongoDB collection. */
const CORE_TABLES: Record<string, string> = {
  users: 'users', purchaseRequests: 'purchase_requests', payments: 'payments', sellerOffers: 'seller_offers',
};
const SCALE = 600;
/** High rates so that every hard case occurs in a small run. */
const RATES: HardCaseRates = {
  ...DEFAULT_RATES, nullAmount: 0.05, legacyEnum: 0.4, danglingRef: 0.04, longArrays: 0.05, leanDecimal: 0.2, scientificNotation: 0.1,
};

function syntheticPools(rng: Random): Pools {
  const ids = (n: number): ObjectId[] => Array.from({ length: n }, () => new ObjectId(rng.hex(12)));
  return { users: ids(300), categories: [], requestTemplates: [], purchaseRequests: ids(SCALE), sellerOffers: ids(2 * SCALE), payments: ids(400) };
}

function generate(seed: number): { pools: Pools; docs: GeneratedDoc[] } {
  const rng = new Random(seed);
  const pools = syntheticPools(rng);
  return { pools, docs: generateExtended(rng, pools, { scale: SCALE, rates: RATES }) };
}

const mappings = loadMappings(CONNECTORS, [...EXTENDED_COLLECTIONS]);
const byCollection = new Map(mappings.map((m) => [m.collection, m]));
const { pools, docs } = generate(7);

function tryTransform(d: GeneratedDoc): Transformed | RejectedRecord {
  try {
    return transformDocument(byCollection.get(d.collection)!, d.doc);
  } catch (err) {
    if (err instanceof RejectedRecord) return err;
    throw err;
  }
}
const results = docs.map((d) => ({ d, r: tryTransform(d) }));

/** [ref column, referenced collection, value] of every FK value in a document's rows. */
function refValues(mapping: Mapping, t: Transformed): Array<[string, string, string]> {
  const refs = (cols: readonly ColumnMapping[], row: Record<string, string | null>): Array<[string, string, string]> => cols
    .filter((c) => c.type === 'ref' && row[c.column] !== null && row[c.column] !== undefined)
    .map((c) => [c.column, c.references!, row[c.column]!]);
  const children = new Map(allChildMappings(mapping).map((c) => [c.table, c.columns]));
  return [
    ...refs(mapping.columns, t.row),
    ...t.children.flatMap((c) => c.rows.flatMap((row) => refs(children.get(c.table) ?? [], row))),
  ];
}

describe('unmodelled collections: generator ⇔ mappings', () => {
  it('generates every collection in about the sizes asked for, deterministically', () => {
    const count = (c: string): number => docs.filter((d) => d.collection === c).length;
    expect(count('disputes')).toBe(SCALE / 50);
    expect(count('chats')).toBe(SCALE / 5);
    expect(count('notifications')).toBe(2 * SCALE);
    expect(count('addresses')).toBe(150);
    expect(count('reviews')).toBe(SCALE / 10);
    expect(count('telegramLinks')).toBe(30);
    expect(count('telegramSessions')).toBeGreaterThan(5);
    expect(count('blogPosts')).toBe(20);
    expect(count('configSettings')).toBe(30);
    expect(count('levelConfigs')).toBe(6);
    expect(count('shopSettings')).toBe(6);
    expect(count('tempVerifications')).toBe(15);
    const again = generate(7).docs;
    expect(EJSON.stringify(again.map((d) => d.doc))).toBe(EJSON.stringify(docs.map((d) => d.doc)));
  });

  it('accepted and orphan documents transform; rejected ones are RejectedRecords', () => {
    const wrong = results
      .filter(({ d, r }) => (d.expect === 'rejected') !== (r instanceof RejectedRecord))
      .map(({ d, r }) => `${d.collection} ${String(d.doc._id)} expected ${d.expect} (${d.why ?? '-'}): ${r instanceof RejectedRecord ? r.message : 'transformed'}`);
    expect(wrong).toEqual([]);
  });

  it('orphans reference a parent that never exists; accepted documents only existing ones', () => {
    const exists = new Set<string>();
    for (const [collection, ids] of Object.entries(pools)) for (const id of ids) exists.add(uuidFor(collection, id));
    for (const d of docs) if (d.expect === 'accepted') exists.add(uuidFor(d.collection, d.doc._id));
    const wrong: string[] = [];
    for (const { d, r } of results) {
      if (r instanceof RejectedRecord) continue;
      const missing = refValues(byCollection.get(d.collection)!, r).filter(([, , uuid]) => !exists.has(uuid));
      if ((d.expect === 'orphan') !== (missing.length > 0)) {
        wrong.push(`${d.collection} ${String(d.doc._id)} expected ${d.expect}: missing parents ${JSON.stringify(missing)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('covers the hard cases', () => {
    const why = (expect_: string) => new Set(docs.filter((d) => d.expect === expect_).map((d) => `${d.collection}: ${d.why}`));
    const rejected = [...why('rejected')].join('\n');
    expect(rejected).toMatch(/disputes: missing (purchaseRequestId|raisedBy|messages)/);
    expect(rejected).toMatch(/notifications: unknown type "promo"/);
    expect(rejected).toMatch(/chats: missing messages\[\]\.createdAt|chats: missing type/);
    expect([...why('orphan')].join('\n')).toMatch(/notifications: dangling user/);
    const accepted = docs.filter((d) => d.expect === 'accepted');
    // Hundreds of chat messages land as child rows.
    const longChat = results.find(({ d, r }) => d.collection === 'chats' && d.expect === 'accepted'
      && (d.doc.messages as unknown[]).length >= 200 && !(r instanceof RejectedRecord));
    expect(longChat).toBeDefined();
    const messages = (longChat!.r as Transformed).children.find((c) => c.table === 'chat_messages')!.rows;
    expect(messages.length).toBe((longChat!.d.doc.messages as unknown[]).length);
    // Legacy spellings are accepted and mapped to one value.
    expect(accepted.some((d) => d.collection === 'chats' && (d.doc.type === 'order' || d.doc.type === 'private'))).toBe(true);
    expect(accepted.some((d) => d.collection === 'disputes' && ['in_review', 'canceled'].includes(d.doc.status as string))).toBe(true);
    // userId stored as text (the audit's notifications.userId) lands as the same uuid FK.
    const hexNote = results.find(({ d }) => d.collection === 'notifications' && d.expect === 'accepted' && typeof d.doc.userId === 'string');
    expect((hexNote!.r as Transformed).row.user_id).toBe(uuidFor('users', new ObjectId(hexNote!.d.doc.userId as string)));
  });

  it('maps nested reactions under their message and keeps subdocument _ids in extra', () => {
    const chat = results.find(({ d, r }) => d.collection === 'chats' && !(r instanceof RejectedRecord)
      && (d.doc.messages as Array<Record<string, unknown>>).some((m) => Array.isArray(m.reactions)));
    const t = chat!.r as Transformed;
    const msgs = chat!.d.doc.messages as Array<Record<string, unknown>>;
    const at = msgs.findIndex((m) => Array.isArray(m.reactions));
    const reactions = t.children.find((c) => c.table === 'chat_message_reactions')!.rows.filter((r) => r.message_position === String(at));
    expect(reactions.length).toBe((msgs[at]!.reactions as unknown[]).length);
    expect(reactions[0]).toMatchObject({ chat_id: t.row.id, position: '0' });
    const message = t.children.find((c) => c.table === 'chat_messages')!.rows[at]!;
    expect(JSON.parse(message.extra!)).toMatchObject({ _id: { $oid: (msgs[at]!._id as ObjectId).toHexString() } });
  });

  it('keeps a review subject without FK: ref_kind plus the subject id as Extended JSON', () => {
    const { d, r } = results.find(({ d }) => d.collection === 'reviews' && d.expect === 'accepted' && d.doc.subjectType === 'User')!;
    const row = (r as Transformed).row;
    expect(row.ref_kind).toBe('users');
    expect(JSON.parse(row.subject_ref!)).toEqual({ $oid: (d.doc.subjectId as ObjectId).toHexString() });
  });
});

describe('unmodelled collections: mappings ⇔ 0004 DDL', () => {
  const block = (table: string): string => {
    const start = DDL.indexOf(`CREATE TABLE IF NOT EXISTS ${table} (`);
    expect(start, `0004 creates ${table}`).toBeGreaterThanOrEqual(0);
    return DDL.slice(start, DDL.indexOf('\n);', start));
  };
  const columnsOf = (table: string): Map<string, string> => new Map(block(table).split('\n')
    .map((line) => /^\s+([a-z_0-9]+)\s+(uuid|text|integer|bigint|boolean|timestamptz|jsonb|numeric\(\d+,\d+\))(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, `${m[2]}${/NOT NULL|PRIMARY KEY/.test(m[3]!) ? ' NOT NULL' : ''}${m[3]!.match(/REFERENCES (\w+) \(id\)/)?.[0].replace('REFERENCES', ' FK') ?? ''}`]));
  const tableOf = (collection: string): string => byCollection.get(collection)?.table ?? CORE_TABLES[collection]!;

  for (const mapping of mappings) {
    const shapes = [
      { table: mapping.table, types: [...columnSqlTypes(mapping), { column: '_tm_ts', sqlType: 'bigint', nullable: false }, { column: '_tm_ord', sqlType: 'integer', nullable: false }], columns: mapping.columns, key: [mapping.key.column] },
      ...allChildMappings(mapping).map((c) => ({ table: c.table, types: childSqlTypes(c), columns: c.columns, key: [...c.key] })),
    ];
    for (const shape of shapes) {
      it(`${shape.table}: columns, NOT NULL, primary key and FKs as ${mapping.collection}.yaml writes them`, () => {
        const ddl = columnsOf(shape.table);
        const expected = shape.types.map((t) => {
          const col = shape.columns.find((c) => c.column === t.column);
          const fk = col?.type === 'ref' ? ` FK ${tableOf(col.references!)} (id)` : '';
          return [t.column, `${t.sqlType}${t.nullable ? '' : ' NOT NULL'}${fk}`];
        });
        expect(expected.map(([c]) => [c, ddl.get(c!)])).toEqual(expected);
        const text = block(shape.table);
        if (shape.key.length === 1 && shape.key[0] === 'id') expect(text).toMatch(/\bid\s+uuid\s+PRIMARY KEY/);
        else expect(text).toContain(`PRIMARY KEY (${shape.key.join(', ')})`);
        for (const col of shape.columns.filter((c) => c.type === 'ref')) {
          expect(DDL).toMatch(new RegExp(`CREATE INDEX IF NOT EXISTS idx_${shape.table}_${col.column} ON ${shape.table} \\(${col.column}\\)`));
        }
      });
    }
  }
});
