// Deterministic ids. PostgreSQL rows get UUIDs derived from the MongoDB _id, so
// snapshot, stream, replays and the verifier all compute the same key without a
// lookup, and a child can name its parent's UUID before the parent arrives.
//
// One rule, total over every _id type: uuid = UUIDv5(TIDEMARK_NAMESPACE,
// `${collection}:${legacyIdText(_id)}`) where legacyIdText is the 24-hex string
// for an ObjectId and canonical Extended JSON for anything else (strings, numbers,
// UUIDs, compound ids). A _id that already is a UUID is not reused as is: one
// rule keeps the function total and keeps ids from colliding across collections.

import { createHash } from 'node:crypto';
import { Double, EJSON, Long, ObjectId } from 'bson';
import { RejectedRecord } from '../ops/errors.js';
import { bsonTypeOf, describeValue, ejsonWrapped, isPlainObject, wrappedNumber } from './bson-values.js';
import { formatUuid } from './uuid-text.js';

/**
 * Namespace of every tidemark UUID: UUIDv5(RFC 4122 URL namespace, "urn:tidemark:id-map:v1").
 * Changing it changes every target primary key; never do that on a live target.
 */
export const TIDEMARK_NAMESPACE = '36f6c251-7369-5715-8757-a22646df852e';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i;

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`uuidV5: namespace ${namespace} is not a UUID`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  return formatUuid(bytes);
}

/** The target primary key for a document of `collection` with this `_id`. */
export function uuidFor(collection: string, id: unknown): string {
  return uuidV5(TIDEMARK_NAMESPACE, `${collection}:${legacyIdText(id)}`);
}

/** Text form of an _id for legacy-id columns: ObjectId hex, else canonical EJSON. */
export function legacyIdText(id: unknown): string {
  const normal = normalizeId(id);
  return bsonTypeOf(normal) === 'ObjectId' ? (normal as ObjectId).toHexString() : canonicalJson(normal);
}

/** Canonical Extended JSON of an _id (the Kafka message key). */
export function canonicalKey(id: unknown): string {
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
