// Design decision 7: fields the mapping does not name are kept in the jsonb `extra`
// column, never dropped; a partly mapped subdocument keeps its unmapped subfields.
import { describe, expect, it } from 'vitest';
import { Decimal128, Long, ObjectId } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { mappingFromYaml, transform } from '../../../src/transform/index.js';
import { payment, paymentsMapping, thrown } from './fixtures.js';

const extraOf = (doc: Record<string, unknown>): unknown => JSON.parse(transform(paymentsMapping(), doc).extra ?? 'null');

describe('extra column', () => {
  it('keeps unmapped top-level fields and nested leftovers, in canonical EJSON', () => {
    const extra = extraOf(payment({ webhookAttempts: Long.fromNumber(3), fee: Decimal128.fromString('0.10'), __v: 0 }));
    expect(extra).toEqual({
      metadata: { note: 'gift', chain: { id: { $numberInt: '137' }, name: 'polygon' } },
      webhookAttempts: { $numberLong: '3' },
      fee: { $numberDecimal: '0.10' },
      __v: { $numberInt: '0' },
    });
  });

  it('is {} when every field is mapped, and never contains _id', () => {
    const doc = payment();
    doc.metadata = { isTemplateCheckout: false, rnRequestId: 'rn', sellerId: null };
    expect(transform(paymentsMapping(), doc).extra).toBe('{}');
  });

  it('drops a subdocument emptied by mapping, keeps one that was empty or unmapped', () => {
    expect(extraOf(payment({ metadata: { isTemplateCheckout: true } }))).toEqual({});
    expect(extraOf(payment({ metadata: {} }))).toEqual({ metadata: {} });
    expect(extraOf(payment({ metadata: null }))).toEqual({ metadata: null });
  });

  it('keeps fields whose column read nothing, and arrays whole', () => {
    const doc = payment({ items: [{ sku: 'a' }, { sku: 'b' }] });
    delete doc.txHash;
    expect(extraOf(doc)).toMatchObject({ items: [{ sku: 'a' }, { sku: 'b' }] });
    expect(extraOf(doc)).not.toHaveProperty('txHash');
  });

  it('removes exactly the consumed leaves at any depth', () => {
    const deep = mappingFromYaml(`collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: x, path: a.b.c, type: text, nullable: true }
  - { column: y, path: a.d, type: text, nullable: true }
`, 'things.yaml');
    const row = transform(deep, { _id: new ObjectId(), a: { b: { c: 'x', keep: 1 }, d: 'y', e: 'z' }, f: true });
    expect(JSON.parse(row.extra ?? '')).toEqual({ a: { b: { keep: { $numberInt: '1' } }, e: 'z' }, f: true });
    expect(row.x).toBe('x');
  });

  it('rejects a path blocked by a non-subdocument instead of guessing', () => {
    const err = thrown(() => transform(paymentsMapping(), payment({ metadata: 'legacy string' })));
    expect(err).toBeInstanceOf(RejectedRecord);
    expect((err as Error).message).toContain('metadata is a string "legacy string", not a subdocument');
  });

  it('keeps a field literally named __proto__ as data', () => {
    const doc = payment();
    Object.defineProperty(doc, '__proto__', { value: { polluted: true }, enumerable: true });
    expect(extraOf(doc)).toMatchObject({ metadata: { note: 'gift' } });
    expect(transform(paymentsMapping(), doc).extra).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects what jsonb refuses rather than failing the whole COPY batch', () => {
    const err = thrown(() => transform(paymentsMapping(), payment({ note: 'a\u0000b' })));
    expect((err as Error).message).toContain('column extra (unmapped fields): contains a NUL character');
    expect(transform(paymentsMapping(), payment({ note: 'a\\u0000b' })).extra).toContain('"note":"a\\\\u0000b"');
  });
});
