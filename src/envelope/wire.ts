import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { TidemarkError } from '../ops/errors.js';

// Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro body.
// https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
const MAGIC = 0;

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt8(MAGIC, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

export function schemaIdOf(value: Buffer): number {
  if (value.length < 5 || value.readUInt8(0) !== MAGIC) {
    throw new TidemarkError('TM_WIRE_FORMAT', 'value is not in the Confluent wire format (missing magic byte 0)');
  }
  return value.readUInt32BE(1);
}

/**
 * Decodes Confluent-framed Avro values. Writer schemas are fetched from the
 * registry once per id; values are read with a resolver into the reader type,
 * so records written with an older envelope schema still decode.
 */
export class AvroDecoder<T> {
  private readonly resolvers = new Map<number, avro.Resolver | null>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly readerType: avro.Type,
  ) {}

  async decode(value: Buffer): Promise<T> {
    const id = schemaIdOf(value);
    let resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      const writer = await this.writerSchema(id);
      resolver = writer.equals(this.readerType) ? null : this.readerType.createResolver(writer);
      this.resolvers.set(id, resolver);
    }
    const body = value.subarray(5);
    return (resolver ? this.readerType.fromBuffer(body, resolver) : this.readerType.fromBuffer(body)) as T;
  }

  /**
   * An id the registry does not know makes the record undecodable; a registry
   * that is down or failing is retriable, so good records never become dead letters.
   */
  private async writerSchema(id: number): Promise<avro.Type> {
    try {
      return (await this.registry.getSchema(id)) as unknown as avro.Type;
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      const unknownId = status === 404;
      throw new TidemarkError(
        unknownId ? 'TM_UNKNOWN_SCHEMA' : 'TM_REGISTRY',
        unknownId ? `schema id ${id} is not in the registry` : `cannot fetch schema id ${id} from the registry`,
        { retriable: !unknownId, cause: err },
      );
    }
  }
}
