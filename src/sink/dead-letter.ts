import type { KafkaMessage, Producer } from 'kafkajs';
import { deadLetterTopicFor } from '../ops/kafka.js';

export interface Rejection {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
}

/**
 * Rejected records keep their original key and bytes; the reason and source
 * position travel in headers (DESIGN decision 8). Sent before the batch's
 * PostgreSQL commit, so a crash in between repeats a dead letter, never loses one.
 */
export async function sendDeadLetters(producer: Producer, rejections: Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  const byTopic = new Map<string, Rejection[]>();
  for (const r of rejections) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  await producer.sendBatch({
    topicMessages: [...byTopic].map(([topic, rs]) => ({
      topic: deadLetterTopicFor(topic),
      messages: rs.map((r) => ({
        key: r.message.key,
        value: r.message.value,
        headers: {
          ...r.message.headers,
          'tm.reason': r.reason,
          'tm.source.topic': r.topic,
          'tm.source.partition': String(r.partition),
          'tm.source.offset': r.message.offset,
        },
      })),
    })),
  });
}
