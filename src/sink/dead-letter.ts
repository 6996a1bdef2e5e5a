import type { IHeaders, Producer } from 'kafkajs';
import { chunkBySize, deadLetterTopicFor } from '../ops/kafka.js';
import type { Origin } from './changes.js';

export interface Rejection {
  origin: Origin;
  reason: string;
  /** The original record's headers, when the record is at hand. */
  headers?: IHeaders;
}

/**
 * Rejected records keep their original key and bytes; the reason and source
 * position travel in headers (DESIGN decision 8). Sent before the batch's
 * PostgreSQL commit, so a crash in between repeats a dead letter, never loses one.
 */
export async function sendDeadLetters(producer: Producer, rejections: readonly Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  const byTopic = new Map<string, Rejection[]>();
  for (const r of rejections) byTopic.set(r.origin.topic, [...(byTopic.get(r.origin.topic) ?? []), r]);
  for (const [topic, rs] of byTopic) {
    const messages = rs.map((r) => ({
        key: r.origin.key,
        value: r.origin.value,
        headers: {
          ...r.headers,
          'tm.reason': r.reason,
          'tm.source.topic': r.origin.topic,
          'tm.source.partition': String(r.origin.partition),
          'tm.source.offset': r.origin.offset,
        },
      }));
    for (const chunk of chunkBySize(messages)) await producer.send({ topic: deadLetterTopicFor(topic), messages: chunk });
  }
}
