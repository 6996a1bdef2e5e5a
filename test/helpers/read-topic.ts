import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from '../../src/ops/topic-reader.js';

export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every committed record of a topic (read-committed), in partition and offset order. */
export async function readTopic(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  const out: TopicRecord[] = [];
  await readTopicToEnd(kafka, topic, (m, partition) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
    out.push({ partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value, headers });
  });
  return out;
}
