import { EJSON, Timestamp, type Document } from 'bson';

/** A point in MongoDB's oplog order: cluster time plus order within it. */
export interface ClusterTime {
  t: number;
  i: number;
}

export function clusterTimeOf(ts: Timestamp): ClusterTime {
  return { t: ts.t, i: ts.i };
}

export function compareClusterTime(a: ClusterTime, b: ClusterTime): number {
  return a.t - b.t || a.i - b.i;
}

/** Resume tokens are stored as canonical Extended JSON so any token shape round-trips. */
export function tokenToString(token: unknown): string {
  return EJSON.stringify(token as Document, { relaxed: false });
}

export function tokenFromString(text: string): Document {
  return EJSON.parse(text, { relaxed: false }) as Document;
}

/**
 * Real MongoDB resume tokens (4.2+) are `{ _data: <hex KeyString> }` whose first
 * value is the event's cluster time: type byte 0x82 then t and i as big-endian
 * uint32. Decoding it gives the position of a postBatchResumeToken on an idle
 * stream, which is what makes lag read near zero for idle collections.
 */
export function clusterTimeFromToken(token: unknown): ClusterTime | null {
  const data = (token as { _data?: unknown } | null)?._data;
  if (typeof data !== 'string' || data.length < 18 || !data.startsWith('82')) return null;
  const bytes = Buffer.from(data.slice(2, 18), 'hex');
  return { t: bytes.readUInt32BE(0), i: bytes.readUInt32BE(4) };
}
