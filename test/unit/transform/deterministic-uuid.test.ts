// ObjectIds map to UUIDs deterministically (design decision 7), so snapshot, stream,
// replays and the verifier agree on every primary key without an id_map lookup.
import { describe, expect, it } from 'vitest';
import { BSON, Binary, Double, Int32, Long, ObjectId, UUID } from 'bson';
import { RejectedRecord } from '../../../src/ops/errors.js';
import { TIDEMARK_NAMESPACE, canonicalKey, legacyIdText, uuidFor, uuidV5 } from '../../../src/transform/index.js';
import { thrown } from './fixtures.js';

const HEX = '65a1b2c3d4e5f60718293a4b';
const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV5 (RFC 4122)', () => {
  it('matches the well-known test vector', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives the tidemark namespace as documented', () => {
    expect(uuidV5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'urn:tidemark:id-map:v1')).toBe(TIDEMARK_NAMESPACE);
  });
});

describe('uuidFor', () => {
  it('is deterministic and sets version 5 and the RFC 4122 variant', () => {
    const a = uuidFor('payments', new ObjectId(HEX));
    expect(a).toMatch(V5);
    expect(uuidFor('payments', new ObjectId(HEX))).toBe(a);
    expect(a).toBe(uuidV5(TIDEMARK_NAMESPACE, `payments:${HEX}`));
  });

  it('differs between collections and between ids', () => {
    const id = new ObjectId(HEX);
    expect(uuidFor('users', id)).not.toBe(uuidFor('payments', id));
    expect(uuidFor('payments', new ObjectId('65a1b2c3d4e5f60718293a4c'))).not.toBe(uuidFor('payments', id));
  });

  it('treats an ObjectId, a lean { $oid } and a foreign ObjectId alike', () => {
    const expected = uuidFor('payments', new ObjectId(HEX));
    expect(uuidFor('payments', { $oid: HEX })).toBe(expected);
    expect(uuidFor('payments', { $oid: HEX.toUpperCase() })).toBe(expected);
    const decoded = BSON.deserialize(BSON.serialize({ _id: new ObjectId(HEX) }))._id as unknown;
    expect(uuidFor('payments', decoded)).toBe(expected);
  });

  it('does not confuse an ObjectId with its hex string', () => {
    expect(uuidFor('payments', HEX)).not.toBe(uuidFor('payments', new ObjectId(HEX)));
    expect(legacyIdText(HEX)).toBe(`"${HEX}"`);
  });

  it('follows MongoDB _id equality for numbers, whatever the decoder promoted', () => {
    const expected = uuidFor('counters', Long.fromNumber(5));
    for (const same of [5, new Int32(5), new Double(5), 5n, { $numberInt: '5' }, { $numberLong: '5' }]) {
      expect(uuidFor('counters', same)).toBe(expected);
    }
    expect(uuidFor('counters', 5.5)).not.toBe(expected);
    expect(canonicalKey(5)).toBe('{"$numberLong":"5"}');
  });

  it('is total over other _id types, UUIDs included (one rule, no pass-through)', () => {
    const u = new UUID('0b5a4c8e-2f1d-4e3a-9c7b-6d5e4f3a2b1c');
    expect(uuidFor('sessions', u)).toMatch(V5);
    expect(uuidFor('sessions', u)).not.toBe(u.toHexString());
    expect(uuidFor('sessions', new Binary(u.buffer, 4))).toBe(uuidFor('sessions', u));
    expect(uuidFor('events', { day: '2024-01-02', shop: new ObjectId(HEX) })).toMatch(V5);
    expect(uuidFor('events', null)).toMatch(V5);
  });

  it('rejects a document without _id and an array _id', () => {
    expect((thrown(() => uuidFor('payments', undefined)) as Error).message).toBe('document has no _id');
    expect(thrown(() => uuidFor('payments', [1]))).toBeInstanceOf(RejectedRecord);
  });
});

describe('canonicalKey / legacyIdText', () => {
  it('is canonical Extended JSON for the Kafka key, hex for the legacy column', () => {
    expect(canonicalKey(new ObjectId(HEX))).toBe(`{"$oid":"${HEX}"}`);
    expect(canonicalKey({ $oid: HEX.toUpperCase() })).toBe(`{"$oid":"${HEX}"}`);
    expect(canonicalKey('abc')).toBe('"abc"');
    expect(legacyIdText(new ObjectId(HEX))).toBe(HEX);
    expect(canonicalKey({ b: 1, a: 'x' })).toBe('{"b":{"$numberLong":"1"},"a":"x"}');
  });
});
