import { EJSON, type Document } from 'bson';

// BSON comparison order of the types an _id can have (MongoDB manual,
// "Comparison/Sort Order"); numbers and strings/symbols compare as one bracket each.
const TYPE_ORDER: string[][] = [
  ['minKey'],
  ['null'],
  ['int', 'long', 'double', 'decimal'],
  ['symbol', 'string'],
  ['object'],
  ['binData'],
  ['objectId'],
  ['bool'],
  ['date'],
  ['timestamp'],
  ['regex'],
  ['maxKey'],
];

// $type takes BSON type numbers everywhere. The deprecated symbol type (14) is left
// out: wire-compatible servers reject it, and it sorts with strings, so `$gt` on a
// string already covers it; only symbol _ids after a numeric _id would be missed.
const TYPE_NUMBER: Record<string, number> = {
  minKey: -1, null: 10, int: 16, long: 18, double: 1, decimal: 19, string: 2,
  object: 3, binData: 5, objectId: 7, bool: 8, date: 9, timestamp: 17, regex: 11, maxKey: 127,
};

function bracketOf(id: unknown): number {
  const t = bsonTypeName(id);
  return TYPE_ORDER.findIndex((names) => names.includes(t));
}

function bsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Date) return 'date';
  const bsontype = (v as { _bsontype?: string })._bsontype;
  const byBsonType: Record<string, string> = {
    ObjectId: 'objectId',
    Int32: 'int',
    Long: 'long',
    Double: 'double',
    Decimal128: 'decimal',
    Binary: 'binData',
    Timestamp: 'timestamp',
    BSONRegExp: 'regex',
    MinKey: 'minKey',
    MaxKey: 'maxKey',
    BSONSymbol: 'symbol',
  };
  return (bsontype && byBsonType[bsontype]) ?? 'object';
}

/**
 * The filter for the documents after `lastKey` in `_id` order. `$gt` only
 * matches within one type bracket, so `_id`s of later-sorting types are added
 * explicitly: a collection mixing ObjectId and string ids is scanned whole.
 */
export function afterKeyFilter(lastKey: string | null): Document {
  if (lastKey === null) return {};
  const last = (EJSON.parse(`{"_id":${lastKey}}`, { relaxed: false }) as Document)._id;
  const later = TYPE_ORDER.slice(bracketOf(last) + 1)
    .flat()
    .flatMap((t) => (t in TYPE_NUMBER ? [TYPE_NUMBER[t]!] : []));
  return later.length > 0 ? { $or: [{ _id: { $gt: last } }, { _id: { $type: later } }] } : { _id: { $gt: last } };
}
