import { BSON, EJSON } from 'bson';
import type { Message } from 'kafkajs';
import type { BenchContext, Measurement, PairedProbe } from '../lib/probe.js';
import { AvroDecoder, createRegistry, envelopeType, registerEnvelope, type ChangeEnvelope } from '../../src/envelope/index.js';
import { loadConfig } from '../../src/ops/config.js';
import { envelopeMessages, type ChangeEvent } from '../../src/source/index.js';
import { envelopeFromEvent } from '../../src/source/index.js';
import { mediumDocuments } from './documents.js';
import { insertEvents } from './records.js';

// The sink's BSON options: types survive decoding.
const TYPE_PRESERVING = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;
const WHERE = { db: 'bench_codec', collection: 'payments' };

/** Wall time of `fn` over every item, in seconds. */
function timed<T>(items: readonly T[], fn: (item: T) => unknown): number {
  const started = performance.now();
  for (const item of items) fn(item);
  return (performance.now() - started) / 1000;
}

const perEventUs = (seconds: number, n: number) => (seconds * 1e6) / n;

/**
 * Encoding a change event: tidemark's envelope (document as BSON inside Avro, framed
 * for the registry) against canonical Extended JSON of the same event, the lossless
 * text alternative; JSON.stringify (lossy: Decimal128, Long and dates lose their type)
 * is reported beside it.
 */
export function encodeProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 20_000;
  let events: ChangeEvent[] = [];
  let schemaId = 0;
  return {
    id: 'envelope-encode',
    ratio: 'envelope encode (Avro + BSON) ÷ EJSON.stringify of the same events',
    a: 'EJSON.stringify',
    b: 'tidemark envelope encode',
    async setup() {
      events = insertEvents(mediumDocuments(n), WHERE.db, WHERE.collection);
      schemaId = 1; // the id only fills the frame header here
      for (const e of events.slice(0, 500)) envelopeMessages([envelopeFromEvent(e, 'c', WHERE, 1, 0)], schemaId); // warm up
    },
    async runA(): Promise<Measurement> {
      const seconds = timed(events, (e) => EJSON.stringify(e, { relaxed: false }));
      const json = timed(events, (e) => JSON.stringify(e));
      return { events: n, seconds, extra: { usPerEvent: perEventUs(seconds, n), jsonStringifyUsPerEvent: perEventUs(json, n) } };
    },
    async runB(): Promise<Measurement> {
      let bytes = 0;
      const seconds = timed(events, (e) => {
        const [m] = envelopeMessages([envelopeFromEvent(e, 'c', WHERE, 1, 0)], schemaId) as [Message];
        bytes += (m.value as Buffer).length;
      });
      return { events: n, seconds, extra: { usPerEvent: perEventUs(seconds, n), bytesPerEvent: bytes / n } };
    },
    async teardown() {
      events = [];
    },
  };
}

/**
 * Decoding a record back to the document: tidemark's decoder (registry-cached writer
 * schema, Avro, then the BSON document) against EJSON.parse of the same events;
 * JSON.parse reported beside it.
 */
export function decodeProbe(ctx: BenchContext): PairedProbe {
  const n = ctx.quick ? 5_000 : 20_000;
  let values: Buffer[] = [];
  let ejson: string[] = [];
  let json: string[] = [];
  let decoder: AvroDecoder<ChangeEnvelope>;
  return {
    id: 'envelope-decode',
    ratio: 'envelope decode (Avro + BSON) ÷ EJSON.parse of the same events',
    a: 'EJSON.parse',
    b: 'tidemark envelope decode',
    async setup() {
      const config = loadConfig({ env: process.env });
      const registry = createRegistry(config.schemaRegistry.url);
      // The same schema text under a bench subject gives the same id as the real subjects.
      const schemaId = await registerEnvelope(registry, 'bench_codec');
      decoder = new AvroDecoder<ChangeEnvelope>(registry, envelopeType);
      const events = insertEvents(mediumDocuments(n), WHERE.db, WHERE.collection);
      values = events.map((e) => envelopeMessages([envelopeFromEvent(e, 'c', WHERE, 1, 0)], schemaId)[0]!.value as Buffer);
      ejson = events.map((e) => EJSON.stringify(e, { relaxed: false }));
      json = events.map((e) => JSON.stringify(e));
      await decoder.decode(values[0]!); // the writer schema is fetched once, as in the sink
      await fetch(`${config.schemaRegistry.url}/subjects/bench_codec-value`, { method: 'DELETE' }).then(() =>
        fetch(`${config.schemaRegistry.url}/subjects/bench_codec-value?permanent=true`, { method: 'DELETE' }),
      ).catch(() => undefined);
    },
    async runA(): Promise<Measurement> {
      const seconds = timed(ejson, (t) => EJSON.parse(t, { relaxed: false }));
      const plain = timed(json, (t) => JSON.parse(t));
      return { events: n, seconds, extra: { usPerEvent: perEventUs(seconds, n), jsonParseUsPerEvent: perEventUs(plain, n) } };
    },
    async runB(): Promise<Measurement> {
      const started = performance.now();
      for (const v of values) {
        const e = await decoder.decode(v);
        if (e.document) BSON.deserialize(e.document, TYPE_PRESERVING);
      }
      const seconds = (performance.now() - started) / 1000;
      return { events: n, seconds, extra: { usPerEvent: perEventUs(seconds, n) } };
    },
    async teardown() {
      values = [];
      ejson = [];
      json = [];
    },
  };
}
