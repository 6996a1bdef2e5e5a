// uuid column values: bson UUID / Binary subtype 4, lean { $uuid } or
// { $binary: { subType: "04" } }, or UUID text (with or without dashes).
// Binary subtype 3 ("legacy UUID") is refused: its byte order depends on the
// driver that wrote it (Java, C#, Python differ), so any guess could be wrong.

import { RejectedRecord } from '../ops/errors.js';
import { bsonTypeOf, describeValue, ejsonWrapped, isPlainObject } from './bson-values.js';

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Lower-case dashed UUID text for any UUID representation. */
export function toUuidText(value: unknown, where: string): string {
  const bytes = uuidBytes(value, where);
  if (bytes !== undefined) return formatUuid(bytes);
  const text = typeof value === 'string' ? value : ejsonWrapped(value, '$uuid');
  if (typeof text === 'string' && UUID_TEXT.test(text) && dashesConsistent(text)) {
    return formatUuid(Buffer.from(text.replace(/-/g, ''), 'hex'));
  }
  throw new RejectedRecord(`${where}: ${describeValue(value)} is not a UUID`, { where });
}

/** 8-4-4-4-12 lower-case hex. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function dashesConsistent(text: string): boolean {
  return text.length === 32 || text.length === 36;
}

function uuidBytes(value: unknown, where: string): Uint8Array | undefined {
  let subType: unknown;
  let bytes: Uint8Array | undefined;
  if (bsonTypeOf(value) === 'Binary') { // bson UUID is a Binary subclass
    const bin = value as { sub_type: unknown; buffer: Uint8Array; position: number };
    subType = bin.sub_type;
    bytes = bin.buffer.subarray(0, bin.position);
  } else {
    const lean = ejsonWrapped(value, '$binary');
    if (!isPlainObject(lean) || typeof lean.base64 !== 'string') return undefined;
    subType = typeof lean.subType === 'string' ? parseInt(lean.subType, 16) : undefined;
    bytes = Buffer.from(lean.base64, 'base64');
  }
  if (subType === 3) {
    throw new RejectedRecord(`${where}: legacy UUID (Binary subtype 3) has a driver-specific byte order; convert it to subtype 4 in MongoDB first`, { where });
  }
  if (subType !== 4 || bytes.length !== 16) {
    throw new RejectedRecord(`${where}: ${describeValue(value)} is binary data, not a UUID (subtype 4, 16 bytes)`, { where });
  }
  return bytes;
}
