// transformDocument's fast path (plan.ts, extra-json.ts, children-fast.ts, the uuid
// memo, bson-text.ts) must give exactly what the straightforward rules give. Checked
// over a whole seeded workload (all 24 collections), decoded as the sink decodes it and
// as generated, against independent computations: UUIDv5 with node:crypto, `extra` as
// EJSON.stringify of the fields no column read, rejections naming collection and field.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BSON, Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId, Timestamp, UUID, type Document,
} from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { isPlainObject } from '../../../src/transform/bson-values.js';
import { decimal128Text, longText } from '../../../src/transform/bson-text.js';
import { ejson } from '../../../src/transform/extra-json.js';
import {
  TIDEMARK_NAMESPACE, UUID_MEMO_ENTRIES, clearUuidMemo, uuidFor, uuidMemoSize,
} from '../../../src/transform/identity.js';
import { loadMappings, mappingFromYaml, transformDocument, type Mapping } from '../../../src/transform/index.js';
import { generateWorkload } from '../../../src/workload/index.js';
import { WORKLOAD_COLLECTIONS } from '../../../src/workload/generate.js';
import { CONNECTORS, payment, paymentsMapping, thrown } from './fixtures.js';

const SINK_BSON = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

/** RFC 4122 §4.3 UUIDv5, written out here rather than taken from the code under test. */
function rfcUuidV5(namespace: string, name: string): string {
  const digest = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function read(doc: unknown, segments: readonly string[]): { present: boolean; value: unknown } {
  let current = doc;
  for (const s of segments) {
    if (!isPlainObject(current) || !Object.hasOwn(current, s)) return { present: false, value: undefined };
    current = current[s];
  }
  return { present: current !== undefined, value: current };
}

/** The README's rule for `extra`: the document minus _id and the leaf paths read, emptied subdocuments dropped. */
function unmapped(doc: Record<string, unknown>, paths: ReadonlyArray<readonly string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) {
    const below = paths.filter((p) => p[0] === key);
    if (below.some((p) => p.length === 1)) continue;
    const value = doc[key];
    if (below.length > 0 && isPlainObject(value)) {
      const rest = unmapped(value, below.map((p) => p.slice(1)));
      if (Object.keys(rest).length === 0 && Object.keys(value).length > 0) continue;
      Object.defineProperty(out, key, { value: rest, enumerable: true, writable: true, configurable: true });
    } else {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function expectedExtra(mapping: Mapping, doc: Record<string, unknown>): string {
  const paths: Array<readonly string[]> = [['_id'], ...mapping.children.map((c) => c.segments)];
  for (const col of mapping.columns) if (read(doc, col.segments).present) paths.push(col.segments); // null is present
  return EJSON.stringify(unmapped(doc, paths), { relaxed: false });
}

const mappings = new Map(loadMappings(CONNECTORS).map((m) => [m.collection, m]));
const workload = generateWorkload({ seed: 20250601, purchaseRequests: 100 });

describe('transformDocument over a seeded workload (all collections)', () => {
  it('covers every collection of the workload', () => {
    expect(new Set(workload.map((d) => d.collection))).toEqual(new Set(WORKLOAD_COLLECTIONS));
    expect(WORKLOAD_COLLECTIONS).toHaveLength(24);
  });

  for (const decoding of ['as the sink decodes it', 'as generated'] as const) {
    it(`keys, references, extra and rejections follow the rules, ${decoding}`, () => {
      clearUuidMemo();
      let refsChecked = 0;
      let rejected = 0;
      for (const g of workload) {
        const mapping = mappings.get(g.collection)!;
        const doc = (decoding === 'as generated' ? g.doc : BSON.deserialize(BSON.serialize(g.doc), SINK_BSON)) as Document;
        if (g.expect === 'rejected') {
          rejected++;
          const err = thrown(() => transformDocument(mapping, doc));
          expect(err).toBeInstanceOf(RejectedRecord);
          const message = (err as RejectedRecord).message;
          expect(message.startsWith(`${g.collection} `) || message.startsWith(`${g.collection}: `)).toBe(true);
          expect(message).toMatch(/column [a-z_0-9]+ \(|\(path [^)]+\)/);
          // The same reason every time, memo warm or cold.
          clearUuidMemo();
          expect((thrown(() => transformDocument(mapping, doc)) as Error).message).toBe(message);
          continue;
        }
        const { row, children } = transformDocument(mapping, doc);
        const hex = (doc._id as ObjectId).toHexString();
        expect(row[mapping.key.column]).toBe(rfcUuidV5(TIDEMARK_NAMESPACE, `${g.collection}:${hex}`));
        if (mapping.legacyIdColumn !== undefined) expect(row[mapping.legacyIdColumn]).toBe(hex);
        for (const col of mapping.columns) {
          const { value } = read(doc, col.segments);
          if (col.type !== 'ref' || !(value instanceof ObjectId)) continue;
          refsChecked++;
          expect(row[col.column]).toBe(rfcUuidV5(TIDEMARK_NAMESPACE, `${col.references}:${value.toHexString()}`));
        }
        expect(row[mapping.extra]).toBe(expectedExtra(mapping, doc));
        // Parsed back: no _id, nothing a column read.
        const extra = EJSON.parse(row[mapping.extra]!, { relaxed: false }) as Record<string, unknown>;
        expect(Object.hasOwn(extra, '_id')).toBe(false);
        for (const col of mapping.columns) if (read(doc, col.segments).present) expect(read(extra, col.segments).present).toBe(false);
        // Keys in the documented order: key, legacy id, columns, extra; children depth-first, every table listed.
        expect(Object.keys(row)).toEqual([
          mapping.key.column, ...(mapping.legacyIdColumn === undefined ? [] : [mapping.legacyIdColumn]),
          ...mapping.columns.map((c) => c.column), mapping.extra,
        ]);
        expect(children.map((c) => c.table)).toEqual(tablesOf(mapping));
        checkArrayChildExtras(mapping, doc, children);
      }
      expect(refsChecked).toBeGreaterThan(500);
      expect(rejected).toBeGreaterThan(0);
    });
  }
});

function tablesOf(mapping: { children: readonly Mapping['children'][number][] }): string[] {
  return mapping.children.flatMap((c) => [c.table, ...tablesOf(c)]);
}

/** Top-level array children with an extra column: each element's extra is its unread fields. */
function checkArrayChildExtras(mapping: Mapping, doc: Record<string, unknown>, children: ReadonlyArray<{ table: string; rows: Array<Record<string, string | null>> }>): void {
  for (const child of mapping.children) {
    if (child.shape !== 'array' || child.extra === undefined || child.position === undefined) continue;
    const elements = read(doc, child.segments).value;
    if (!Array.isArray(elements)) continue;
    const rows = children.find((c) => c.table === child.table)!.rows;
    expect(rows).toHaveLength(elements.length);
    rows.forEach((r, i) => {
      const element = elements[i] as Record<string, unknown>;
      const paths: Array<readonly string[]> = child.children.map((c) => c.segments);
      for (const col of child.columns) if (read(element, col.segments).present) paths.push(col.segments);
      expect(r[child.position!]).toBe(String(i));
      expect(r[child.extra!]).toBe(EJSON.stringify(unmapped(element, paths), { relaxed: false }));
    });
  }
}

describe('extra with values outside the common ones', () => {
  it('is EJSON.stringify of the unread fields, whatever their types', () => {
    const proto = Object.create(null) as Record<string, unknown>;
    proto.k = new Int32(2);
    const odd = payment({
      metadata: {
        isTemplateCheckout: true, rnRequestId: 'rn', sellerId: '65a1b2c3d4e5f60718293a4e',
        bin: new Binary(Buffer.from('ab')), uuid: new UUID('0b5a4c8e-2f1d-4e3a-9c7b-6d5e4f3a2b1c'), ts: new Timestamp({ t: 1, i: 2 }),
        d: new Double(-0), d5: new Double(5), big: Long.fromString('-9223372036854775808'), dec: Decimal128.fromString('1.23E+40'),
        bad: new Date(NaN), when: new Date(-1e14), list: [1, undefined, null, [], {}], nullProto: proto, n: -0, huge: 2 ** 70, b: 10n,
        map: new Map([['a', 1]]), empty: {}, gone: undefined,
      },
    });
    Object.defineProperty(odd, '__proto__', { value: { a: 1 }, enumerable: true, writable: true, configurable: true });
    const mapping = paymentsMapping();
    expect(transformDocument(mapping, odd).row.extra).toBe(expectedExtra(mapping, odd));
    // The same without the types only EJSON itself writes.
    const meta = odd.metadata as Record<string, unknown>;
    for (const key of ['bin', 'uuid', 'ts', 'map']) delete meta[key];
    expect(transformDocument(mapping, odd).row.extra).toBe(expectedExtra(mapping, odd));
  });

  it('keeps a subdocument that was already empty, drops one the removal emptied', () => {
    const mapping = mappingFromYaml([
      'collection: things', 'table: things', 'key: { column: id }', 'extra: extra',
      'columns:', '  - { column: flag, path: info.flag, type: boolean, nullable: true }',
      'children:', '  - { table: thing_items, path: info.items, shape: array, parentKey: thing_id, position: position, columns: [{ column: name, path: name, type: text, nullable: false }] }',
    ].join('\n'), 'things.yaml');
    for (const info of [{}, { flag: true }, { items: [] }, { flag: null, items: [{ name: 'a' }] }, { flag: false, other: 1 }, { items: null, deeper: {} }]) {
      const doc = { _id: new ObjectId(), info, after: 1 };
      const paths: Array<readonly string[]> = [['_id'], ['info', 'items'], ...(read(doc, ['info', 'flag']).present ? [['info', 'flag']] : [])];
      expect(transformDocument(mapping, doc).row.extra).toBe(EJSON.stringify(unmapped(doc, paths), { relaxed: false }));
    }
  });

  it('rejects what jsonb refuses with the same reason as before', () => {
    const err = thrown(() => transformDocument(paymentsMapping(), payment({ note: 'a\u0000b' })));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toBe(
      'payments {"$oid":"65a1b2c3d4e5f60718293a4b"}: column extra (unmapped fields): contains a NUL character or unpaired surrogate, which PostgreSQL jsonb refuses',
    );
  });

  it('writes single values exactly as EJSON.stringify does', () => {
    const values: unknown[] = ['x', 'q"\\\n\u0001\ud800', true, null, 0, -0, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, NaN, -Infinity,
      new Int32(-5), new Double(2.5), new Double(-0), new Double(3), 10n, undefined, [undefined], { u: undefined }, new Double(1e21), new Double(NaN), Long.fromNumber(7), Decimal128.fromString('-0.000001'),
      new ObjectId(), new Date(0), [1, [2, { a: 'b' }]], { 'é': { '1': 2, a: 3 } }];
    for (const v of values) expect(ejson(v, 0)).toBe(EJSON.stringify(v, { relaxed: false }));
  });
});

describe('bson text', () => {
  it('Decimal128 and Long text equal their toString()', () => {
    for (let i = 0; i < 5_000; i++) {
      const d = new Decimal128(randomBytes(16));
      expect(decimal128Text(d)).toBe(d.toString());
      const b = randomBytes(8);
      for (const l of [new Long(b.readInt32LE(0), b.readInt32LE(4)), new Long(b.readInt32LE(0), b.readInt32LE(4) >> 12), new Long(b.readInt32LE(0), b.readInt32LE(4), true)]) {
        expect(longText(l)).toBe(l.toString());
      }
    }
    for (const s of ['0', '-0', '1.50', '1E+3', '1E-7', '0.000001', '-0E+3', 'NaN', '-Infinity', '9.999999999999999999999999999999999E+6144']) {
      const d = Decimal128.fromString(s);
      expect(decimal128Text(d)).toBe(d.toString());
    }
  });
});

describe('uuidFor memo', () => {
  it(`holds at most ${UUID_MEMO_ENTRIES} names and stays right after evicting`, () => {
    clearUuidMemo();
    const ids = Array.from({ length: UUID_MEMO_ENTRIES + 500 }, (_, i) => new ObjectId(i.toString(16).padStart(24, '0')));
    for (const id of ids) uuidFor('users', id);
    expect(uuidMemoSize()).toBeLessThanOrEqual(UUID_MEMO_ENTRIES);
    expect(uuidMemoSize()).toBeGreaterThanOrEqual(UUID_MEMO_ENTRIES / 2);
    for (const id of [ids[0]!, ids[ids.length - 1]!, ids[1000]!]) {
      expect(uuidFor('users', id)).toBe(rfcUuidV5(TIDEMARK_NAMESPACE, `users:${id.toHexString()}`));
    }
    const long = 'x'.repeat(500);
    expect(uuidFor('users', long)).toBe(rfcUuidV5(TIDEMARK_NAMESPACE, `users:${JSON.stringify(long)}`));
    expect(uuidMemoSize()).toBeLessThanOrEqual(UUID_MEMO_ENTRIES);
    clearUuidMemo();
    expect(uuidMemoSize()).toBe(0);
  });
});
