import {
  Binary,
  BSON,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from 'bson';
import { describe, expect, it } from 'vitest';
import { envelopeType, frame, schemaIdOf, type ChangeEnvelope } from '../../../src/envelope/index.js';
import { envelopeFromSnapshot } from '../../../src/source/events.js';

// Every BSON type the `bson` package supports, nested in arrays and documents.
const everyType: Document = {
  _id: new ObjectId('65a1b2c3d4e5f60718293a4b'),
  double: new Double(1.5),
  doubleWhole: new Double(2),
  int32: new Int32(-7),
  int64: Long.fromString('9007199254740993'), // 2^53 + 1
  decimal34: Decimal128.fromString('1234567890123456789012345678901234'),
  decimalSmall: Decimal128.fromString('0.000000000000000001'),
  decimalExp: Decimal128.fromString('1.23E+5'),
  string: 'ünïcödé ✓',
  bool: true,
  nil: null,
  date: new Date('2026-11-27T10:11:12.345Z'),
  binary: new Binary(Buffer.from([0, 1, 2, 255]), 0),
  uuid: new UUID('0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9'),
  regex: new BSONRegExp('^a.*z$', 'i'),
  timestamp: new Timestamp({ t: 1764230400, i: 7 }),
  code: new Code('function () { return 1; }'),
  codeWithScope: new Code('x', { x: 1 }),
  symbol: new BSONSymbol('sym'),
  minKey: new MinKey(),
  maxKey: new MaxKey(),
  dbref: new DBRef('users', new ObjectId('65a1b2c3d4e5f60718293a4c')),
  nested: { deeper: { list: [new Int32(1), Long.fromNumber(2), [new Decimal128('3.30')], { k: 'v' }] } },
  emptyArray: [],
  unknownField: { anything: ['goes', 1, null] },
};

const READ = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

describe('envelope keeps every BSON type', () => {
  it('document -> Avro envelope -> Confluent frame -> back is byte-identical BSON', () => {
    const where = { db: 'amanat', collection: 'payments' };
    const envelope = envelopeFromSnapshot(everyType, where, { t: 1764230400, i: 1 }, 1764230400123);
    const framed = frame(42, envelopeType.toBuffer(envelope));
    expect(schemaIdOf(framed)).toBe(42);
    const back = envelopeType.fromBuffer(framed.subarray(5)) as ChangeEnvelope;
    expect(back.op).toBe('r');
    expect(back.key).toBe('{"$oid":"65a1b2c3d4e5f60718293a4b"}');
    expect(Buffer.compare(back.document!, BSON.serialize(everyType) as Buffer)).toBe(0);
    const doc = BSON.deserialize(back.document!, READ);
    expect(doc.int64).toBeInstanceOf(Long);
    expect((doc.int64 as Long).toString()).toBe('9007199254740993');
    expect(doc.int32).toBeInstanceOf(Int32);
    expect(doc.doubleWhole).toBeInstanceOf(Double);
    expect((doc.decimal34 as Decimal128).toString()).toBe('1234567890123456789012345678901234');
    expect((doc.date as Date).getTime()).toBe(Date.parse('2026-11-27T10:11:12.345Z'));
    expect((doc.uuid as Binary).sub_type).toBe(4);
    expect(BSON.serialize(doc)).toEqual(BSON.serialize(everyType));
  });

  it('rejects values that are not Confluent-framed', () => {
    expect(() => schemaIdOf(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(/wire format/);
    expect(() => schemaIdOf(Buffer.from([0, 0]))).toThrow(/wire format/);
  });
});
