// A document that changes more often than the sink's lag is never seen equal to
// MongoDB's current version: by the time the sink has passed one observation, MongoDB
// holds a newer one. What can be checked instead is that PostgreSQL holds exactly the
// newest version the sink has applied, read from the collection's topic.

import { BSON, type Document } from 'bson';
import type { Kafka } from 'kafkajs';
import { BSON_READ_OPTIONS, type AvroDecoder, type ChangeEnvelope } from '../envelope/index.js';
import { readTopicRange } from '../ops/topic-reader.js';

/** One version of a document on its topic: null is a delete (no row). */
export interface TopicVersion {
  partition: number;
  offset: bigint;
  doc: Document | null;
}

/**
 * The versions of the `wanted` keys (canonical _id text, the record key) on `topic`, oldest
 * first, from the offsets in `from` (per partition) to the end. A key lives on one partition,
 * so offset order is version order.
 */
export async function topicVersions(
  kafka: Kafka,
  decoder: AvroDecoder<ChangeEnvelope>,
  topic: string,
  from: ReadonlyMap<number, bigint>,
  wanted: ReadonlySet<string>,
): Promise<Map<string, TopicVersion[]>> {
  const raw: Array<{ key: string; partition: number; offset: bigint; value: Buffer }> = [];
  await readTopicRange(kafka, topic, from, (message, partition) => {
    const key = message.key?.toString();
    // Tombstones only serve compaction; the delete record before them is the version.
    if (key !== undefined && wanted.has(key) && message.value !== null) raw.push({ key, partition, offset: BigInt(message.offset), value: message.value });
  });
  const versions = new Map<string, TopicVersion[]>();
  for (const r of raw) {
    const envelope = await decoder.decode(r.value);
    // An update whose document was already gone carries no version (the sink skips it too).
    if (envelope.op !== 'd' && envelope.document === null) continue;
    const doc = envelope.op === 'd' ? null : BSON.deserialize(envelope.document!, BSON_READ_OPTIONS);
    versions.set(r.key, [...(versions.get(r.key) ?? []), { partition: r.partition, offset: r.offset, doc }]);
  }
  return versions;
}

/**
 * The version PostgreSQL holds if the sink lost nothing: the newest of `versions` below the
 * sink's stored offset of its partition (`applied`, read in the same snapshot as the rows).
 * undefined: none of them is applied yet.
 */
export function newestApplied(versions: readonly TopicVersion[], applied: ReadonlyMap<number, bigint>): TopicVersion | undefined {
  let newest: TopicVersion | undefined;
  for (const v of versions) if (v.offset < (applied.get(v.partition) ?? 0n)) newest = v;
  return newest;
}
