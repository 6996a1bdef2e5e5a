import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID, type Document } from 'bson';
import { Random } from '../../src/workload/index.js';

/** Documents carrying every common BSON type, with mixed _id types (ObjectId, string, number). */
export function mixedDocument(rng: Random, i: number): Document {
  const _id = i % 50 === 0 ? `str-${i}` : i % 50 === 1 ? new Int32(i) : i % 50 === 2 ? Long.fromString(`${9007199254740993n + BigInt(i)}`) : new ObjectId(rng.hex(12));
  return {
    _id,
    amount: Decimal128.fromString(`${rng.int(1, 9)}${rng.hex(4).replace(/[a-f]/g, "3")}.${rng.hex(5).replace(/[a-f]/g, "7")}`),
    exact34: Decimal128.fromString('9999999999999999.999999999999999999'),
    wei: Long.fromString(`${BigInt(rng.int(1, 1e9)) * 1000000000000n}`),
    small: new Int32(rng.int(-1000, 1000)),
    ratio: new Double(rng.next()),
    at: new Date(1_700_000_000_000 + rng.int(0, 1e9)),
    blob: new Binary(Buffer.from(rng.hex(8), 'hex')),
    uuid: new UUID(),
    ts: new Timestamp({ t: rng.int(1, 1e9), i: rng.int(0, 100) }),
    tags: ['a', new Int32(1), [Long.fromNumber(2), null], { k: rng.hex(2) }],
    nested: { deep: { flag: rng.chance(0.5), none: null, list: Array.from({ length: rng.int(0, 4) }, (_, j) => new Int32(j)) } },
    unmapped: `field-${i}`,
  };
}

export const TYPE_PRESERVING = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;
