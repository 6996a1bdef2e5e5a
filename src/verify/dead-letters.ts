// The dead-letter topic `<topic>.dlq` as the verifier needs it: for the keys it asks
// about, the newest dead letter's reason and which document version it carried. A
// document counts as rejected only if the dead letter holds the very version MongoDB
// holds now: an older version dead-lettered long ago does not excuse a missing row.

import { createHash } from 'node:crypto';
import { BSON } from 'bson';
import type { Kafka } from 'kafkajs';
import type { AvroDecoder, ChangeEnvelope } from '../envelope/index.js';
import { describe } from '../ops/errors.js';
import { readTopicToEnd } from '../ops/topic-reader.js';

export interface DeadLetter {
  reason: string;
  /** Fingerprint of the document version it carried ('absent' for a delete); null if undecodable. */
  fingerprint: string | null;
}

/** A document version: its BSON bytes as the source serialises them, or 'absent' when deleted. */
export function fingerprintOf(doc: Record<string, unknown> | null): string {
  return doc === null ? 'absent' : fingerprintBytes(Buffer.from(BSON.serialize(doc)));
}

function fingerprintBytes(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** The newest dead letter of each wanted key (keys are canonical Extended JSON _ids, as on the data topic). */
export async function readDeadLetters(
  kafka: Kafka,
  decoder: AvroDecoder<ChangeEnvelope>,
  topic: string,
  wanted: ReadonlySet<string>,
): Promise<Map<string, DeadLetter>> {
  const raw = new Map<string, { reason: string; value: Buffer | null }>();
  const exists = (await listTopics(kafka)).has(topic);
  if (!exists) return new Map();
  // Keys land on one partition, so the last one read per key is the newest.
  await readTopicToEnd(kafka, topic, (message) => {
    const key = message.key?.toString();
    if (key === undefined || !wanted.has(key)) return;
    raw.set(key, { reason: String(message.headers?.['tm.reason'] ?? '(no tm.reason header)'), value: message.value });
  });
  const out = new Map<string, DeadLetter>();
  for (const [key, { reason, value }] of raw) out.set(key, { reason, fingerprint: await carried(decoder, value) });
  return out;
}

async function carried(decoder: AvroDecoder<ChangeEnvelope>, value: Buffer | null): Promise<string | null> {
  if (value === null) return null;
  try {
    const envelope = await decoder.decode(value);
    if (envelope.op === 'd') return 'absent';
    return envelope.document === null ? null : fingerprintBytes(envelope.document);
  } catch (err) {
    // A record that was dead-lettered because it could not be decoded cannot excuse anything.
    if ((err as { retriable?: unknown }).retriable === true) throw new Error(`cannot decode a dead letter: ${describe(err)}`, { cause: err });
    return null;
  }
}

async function listTopics(kafka: Kafka): Promise<Set<string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Set(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
}
