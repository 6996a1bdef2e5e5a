// Each column type's PostgreSQL text input, and what PostgreSQL would refuse.
import { describe, expect, it } from 'vitest';
import { Binary, Decimal128, ObjectId, UUID } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { columnSqlTypes, mappingFromYaml, toUuidText, transform, uuidFor } from '../../../src/transform/index.js';
import { thrown } from './fixtures.js';

const mapping = mappingFromYaml(`collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: name, path: name, type: text, nullable: true }
  - { column: flag, path: flag, type: boolean, nullable: true }
  - { column: token, path: token, type: uuid, nullable: true }
  - { column: owner_id, path: ownerId, type: ref, references: users, nullable: true }
  - { column: doc, path: doc, type: jsonb, nullable: true }
  - { column: rate, path: rate, type: decimal, nullable: true, precision: 10, scale: 4 }
`, 'things.yaml');

const row = (fields: Record<string, unknown>) => transform(mapping, { _id: 'x', ...fields });
const reason = (fields: Record<string, unknown>): string => {
  const err = thrown(() => row(fields));
  expect(err).toBeInstanceOf(RejectedRecord);
  return (err as Error).message;
};

describe('column types', () => {
  it('text: strings only, without NUL or lone surrogates', () => {
    expect(row({ name: 'Zoë 🚀' }).name).toBe('Zoë 🚀');
    expect(reason({ name: 42 })).toBe('things "x": column name (path name): expected a string, got JS number 42');
    expect(reason({ name: 'a\u0000b' })).toContain('NUL');
    expect(reason({ name: 'a\uD800b' })).toContain('unpaired UTF-16 surrogate');
  });

  it('boolean: true/false only', () => {
    expect(row({ flag: true }).flag).toBe('true');
    expect(row({ flag: false }).flag).toBe('false');
    expect(reason({ flag: 'true' })).toContain('expected a boolean');
    expect(reason({ flag: 1 })).toContain('expected a boolean');
  });

  it('uuid: bson UUID, Binary subtype 4, lean forms and text; not legacy subtype 3', () => {
    const text = '0b5a4c8e-2f1d-4e3a-9c7b-6d5e4f3a2b1c';
    const u = new UUID(text);
    expect(row({ token: u }).token).toBe(text);
    expect(row({ token: new Binary(u.buffer, 4) }).token).toBe(text);
    expect(row({ token: text.toUpperCase().replace(/-/g, '') }).token).toBe(text);
    expect(toUuidText({ $uuid: text }, 'x')).toBe(text);
    expect(toUuidText({ $binary: { base64: Buffer.from(u.buffer).toString('base64'), subType: '04' } }, 'x')).toBe(text);
    expect(reason({ token: new Binary(u.buffer, 3) })).toContain('legacy UUID');
    expect(reason({ token: 'not-a-uuid' })).toContain('is not a UUID');
    expect(reason({ token: '0b5a4c8e2f1d-4e3a-9c7b-6d5e4f3a2b1c' })).toContain('is not a UUID');
  });

  it('ref: uuidFor(references, value); a hex string stays a string unless acceptHexString', () => {
    const oid = new ObjectId('65a1b2c3d4e5f60718293a4d');
    expect(row({ ownerId: oid }).owner_id).toBe(uuidFor('users', oid));
    expect(row({ ownerId: oid.toHexString() }).owner_id).toBe(uuidFor('users', oid.toHexString()));
    expect(row({ ownerId: oid.toHexString() }).owner_id).not.toBe(uuidFor('users', oid));
    expect(reason({ ownerId: [oid] })).toContain('a reference must be a single id');
  });

  it('jsonb: canonical Extended JSON, types kept', () => {
    expect(row({ doc: { a: Decimal128.fromString('1.10'), d: new Date(0), s: 'x' } }).doc)
      .toBe('{"a":{"$numberDecimal":"1.10"},"d":{"$date":{"$numberLong":"0"}},"s":"x"}');
    expect(row({ doc: [1, 'two'] }).doc).toBe('[{"$numberInt":"1"},"two"]');
  });

  it('decimal: its own precision and scale, never rounded', () => {
    expect(row({ rate: '123456.1234' }).rate).toBe('123456.1234');
    expect(reason({ rate: '0.12345' })).toContain('numeric(10,4) keeps 4; refusing to round');
    expect(reason({ rate: '1234567' })).toContain('numeric(10,4) allows 6');
    expect(columnSqlTypes(mapping).find((c) => c.column === 'rate')?.sqlType).toBe('numeric(10,4)');
  });

  it('nullable columns take NULL and missing alike', () => {
    const r = row({});
    expect(r.name).toBeNull();
    expect(r.doc).toBeNull();
    expect(r.extra).toBe('{}');
    expect(r.id).toBe(uuidFor('things', 'x'));
  });
});
