import { BSON, EJSON, type Document } from 'bson';
import type { KafkaMessage } from 'kafkajs';
import { BSON_READ_OPTIONS, versionOf, type AvroDecoder, type ChangeEnvelope } from '../envelope/index.js';
import { RejectedRecord, TidemarkError, describe } from '../ops/errors.js';
import { legacyIdText, transformDocument, uuidFor, type Mapping } from '../transform/index.js';
import type { Change } from './changes.js';

export type Decoded = { kind: 'change'; change: Change; envelope: ChangeEnvelope } | { kind: 'skip' } | { kind: 'reject'; reason: string };

/** Kafka record → the change it asks for, or the reason it is rejected. */
export async function decodeRecord(
  decoder: AvroDecoder<ChangeEnvelope>,
  mapping: Mapping,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<Decoded> {
  // Tombstones only serve compaction; the delete before them carries the change.
  if (message.value === null) return { kind: 'skip' };
  let envelope: ChangeEnvelope;
  try {
    envelope = await decoder.decode(message.value);
  } catch (err) {
    // A registry outage holds the batch (the caller retries it); only bad bytes are rejected.
    if (err instanceof TidemarkError && err.retriable) throw err;
    return { kind: 'reject', reason: `undecodable record: ${describe(err)}` };
  }
  const { ts, ord } = versionOf(envelope.source);
  try {
    const origin = { topic, partition, offset: message.offset, key: message.key ?? null, value: message.value };
    const { key } = envelope;
    if (envelope.op === 'd') {
      const id = (EJSON.parse(`{"_id":${key}}`, { relaxed: false }) as Document)._id;
      const row = { [mapping.key.column]: uuidFor(mapping.collection, id) };
      return { kind: 'change', envelope, change: { key, legacyId: legacyIdText(id), op: 'delete', row, children: [], ts, ord, origin } };
    }
    // An update whose document was already gone: the delete that follows carries the change.
    if (envelope.document === null) return { kind: 'skip' };
    const doc = BSON.deserialize(envelope.document, BSON_READ_OPTIONS);
    // The document's own _id is the key's (the source keys records by it): no need to parse the key.
    const { row, children } = transformDocument(mapping, doc);
    // Built whole, not spread from a shared base: this runs for every record.
    return { kind: 'change', envelope, change: { key, legacyId: legacyIdText(doc._id), op: 'upsert', row, children, ts, ord, origin } };
  } catch (err) {
    if (err instanceof RejectedRecord) return { kind: 'reject', reason: err.message };
    return { kind: 'reject', reason: `cannot transform record ${envelope.key}: ${describe(err)}` };
  }
}
