import { readFileSync } from 'node:fs';
import avro from 'avsc';

// The Avro schema lives in schemas/ so other teams' tools can read it too.
const SCHEMA_PATH = new URL('../../schemas/avro/change-envelope.avsc', import.meta.url);

export type Op = 'r' | 'c' | 'u' | 'd';

export interface SourcePosition {
  db: string;
  collection: string;
  clusterTimeSeconds: number;
  clusterTimeIncrement: number;
  ordinal: number;
  resumeToken: string | null;
  txnNumber: number | null;
  lsid: Buffer | null;
  snapshot: boolean;
}

export interface ChangeEnvelope {
  op: Op;
  key: string;
  document: Buffer | null;
  updateDescription: Buffer | null;
  source: SourcePosition;
  eventTimeMs: number | null;
  emittedAtMs: number;
}

export const envelopeSchemaText: string = readFileSync(SCHEMA_PATH, 'utf8');
export const envelopeType = avro.Type.forSchema(JSON.parse(envelopeSchemaText) as avro.Schema);

/** Row version used by the sink's guards: cluster time, then ordinal. */
export function versionOf(source: SourcePosition): { ts: bigint; ord: number } {
  return {
    ts: (BigInt(source.clusterTimeSeconds) << 32n) | BigInt(source.clusterTimeIncrement),
    ord: source.ordinal,
  };
}

/**
 * How an envelope's document bytes are read (sink, verifier, workload checks): no
 * promotion, so Int32/Int64/Double/Decimal128 and regexes keep their BSON types.
 */
export const BSON_READ_OPTIONS = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;
