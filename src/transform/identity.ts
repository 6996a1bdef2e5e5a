// Deterministic ids. PostgreSQL rows get UUIDs derived from the MongoDB _id, so
// snapshot, stream, replays and the verifier all compute the same key without a
// lookup, and a child can name its parent's UUID before the parent arrives.
//
// One rule, total over every _id type: uuid = UUIDv5(TIDEMARK_NAMESPACE,
// `${collection}:${legacyIdText(_id)}`) where legacyIdText is the 24-hex string
// for an ObjectId and canonical Extended JSON for anything else (strings, numbers,
// UUIDs, compound ids). A _id that already is a UUID is not reused as is: one
// rule keeps the function total and keeps ids from colliding across collections.

import { createHash, hash } from 'node:crypto';
import { Double, EJSON, Long, ObjectId } from 'bson';
import { RejectedRecord } from '../ops/errors.js';
import { bsonTypeOf, describeValue, ejsonWrapped, isPlainObject, wrappedNumber } from './bson-values.js';

/**
 * Namespace of every tidemark UUID: UUIDv5(RFC 4122 URL namespace, "urn:tidemark:id-map:v1").
 * Changing it changes every target primary key; never do that on a live target.
 */
export const TIDEMARK_NAMESPACE = '36f6c251-7369-5715-8757-a22646df852e';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i;

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  if (namespace === TIDEMARK_NAMESPACE) return tidemarkUuid(name);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`uuidV5: namespace ${namespace} is not a UUID`);
  return v5Text(createHash('sha1').update(ns).update(name, 'utf8').digest('hex'));
}

/** The target primary key for a document of `collection` with this `_id`. */
export function uuidFor(collection: string, id: unknown): string {
  return memoUuid(`${collection}:${legacyIdText(id)}`);
}

/** uuidFor(collection, id) given legacyIdText(id) already. */
export function uuidForIdText(collection: string, idText: string): string {
  return memoUuid(`${collection}:${idText}`);
}

/**
 * Memo of uuidFor's names → UUIDs: references repeat (buyers, sellers, purchase
 * requests) and each UUID costs a SHA-1. Two generations instead of a strict LRU
 * (Map delete + set on every hit, and evicting the oldest, cost more than the hash they
 * save): names go into `recent`; when it is full it becomes `older` and the one before
 * is dropped, and a hit in `older` moves back into `recent`. Bounded: at most
 * UUID_MEMO_ENTRIES names of at most UUID_MEMO_NAME_CHARS characters (longer names,
 * such as big compound _ids, are hashed every time), i.e. a few MB at most.
 */
export const UUID_MEMO_ENTRIES = 16_384;
export const UUID_MEMO_NAME_CHARS = 128;
const GENERATION = UUID_MEMO_ENTRIES / 2;
let recent = new Map<string, string>();
let older = new Map<string, string>();

function memoUuid(name: string): string {
  const hit = recent.get(name);
  if (hit !== undefined) return hit;
  const uuid = older.get(name) ?? tidemarkUuid(name);
  if (name.length <= UUID_MEMO_NAME_CHARS) {
    if (recent.size >= GENERATION) {
      older = recent;
      recent = new Map();
    }
    recent.set(name, uuid);
  }
  return uuid;
}

/** Empties the uuidFor memo (benchmarks and tests measure or check the cold path). */
export function clearUuidMemo(): void {
  recent.clear();
  older.clear();
}

/** Names currently memoised (tests check the bound). */
export function uuidMemoSize(): number {
  return recent.size + older.size;
}

// TIDEMARK_NAMESPACE's bytes stay at the start of a scratch buffer; the name is written after them.
const SCRATCH = Buffer.alloc(16 + 3 * 256);
Buffer.from(TIDEMARK_NAMESPACE.replace(/-/g, ''), 'hex').copy(SCRATCH, 0);

function tidemarkUuid(name: string): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so a name this short always fits.
  if (name.length * 3 > SCRATCH.length - 16) {
    return v5Text(createHash('sha1').update(SCRATCH.subarray(0, 16)).update(name, 'utf8').digest('hex'));
  }
  const length = SCRATCH.write(name, 16, 'utf8');
  return v5Text(hash('sha1', SCRATCH.subarray(0, 16 + length), 'hex'));
}

// Hex digit → the digit after `(d & 0x3) | 0x8` (RFC 4122 variant bits).
const VARIANT: Record<string, string> = {};
for (let d = 0; d < 16; d++) VARIANT[d.toString(16)] = ((d & 0x3) | 0x8).toString(16);

/** Dashed text of the first 16 bytes of a SHA-1 (hex), version 5 and RFC 4122 variant set. */
function v5Text(sha1: string): string {
  return `${sha1.slice(0, 8)}-${sha1.slice(8, 12)}-5${sha1.slice(13, 16)}-${VARIANT[sha1.charAt(16)] ?? ''}${sha1.slice(17, 20)}-${sha1.slice(20, 32)}`;
}

/** Text form of an _id for legacy-id columns: ObjectId hex, else canonical EJSON. */
export function legacyIdText(id: unknown): string {
  // What normalizeId leaves an ObjectId as: itself.
  if (bsonTypeOf(id) === 'ObjectId') return (id as ObjectId).toHexString();
  const normal = normalizeId(id);
  return bsonTypeOf(normal) === 'ObjectId' ? (normal as ObjectId).toHexString() : canonicalJson(normal);
}

/** Canonical Extended JSON of an _id (the Kafka message key). */
export function canonicalKey(id: unknown): string {
  // EJSON.stringify's own output for one of this bson's ObjectIds.
  if (id instanceof ObjectId && Object.getPrototypeOf(id) === ObjectId.prototype) return `{"$oid":"${id.toHexString()}"}`;
  return canonicalJson(normalizeId(id));
}

function canonicalJson(id: unknown): string {
  return EJSON.stringify(id, { relaxed: false });
}

/**
 * Same _id, same text, whichever decoder produced it: lean { $oid } becomes an
 * ObjectId (lower-case hex), and numbers follow MongoDB's own _id equality
 * (5, Int32(5), Long(5) and 5.0 are one _id) so whole numbers print as
 * $numberLong whether or not the BSON decoder promoted them to JS numbers.
 */
function normalizeId(id: unknown): unknown {
  if (id === undefined) throw new RejectedRecord('document has no _id');
  if (Array.isArray(id)) throw new RejectedRecord(`_id cannot be ${describeValue(id)}`);
  if (typeof id === 'function' || typeof id === 'symbol') {
    throw new RejectedRecord(`_id cannot be a ${typeof id}`);
  }
  return normalizeValue(id);
}

function normalizeValue(value: unknown): unknown {
  const oid = ejsonWrapped(value, '$oid');
  if (typeof oid === 'string' && OBJECT_ID_HEX.test(oid)) return new ObjectId(oid.toLowerCase());
  if (typeof value === 'bigint') return Long.fromBigInt(value);
  if (bsonTypeOf(value) === 'Long') return value;
  const longText = ejsonWrapped(value, '$numberLong');
  if (typeof longText === 'string' && /^-?\d+$/.test(longText)) return Long.fromString(longText);
  const n = typeof value === 'number' ? value : wrappedNumber(value);
  if (n !== undefined) {
    return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? Long.fromBigInt(BigInt(n)) : new Double(n);
  }
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: normalizeValue(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
