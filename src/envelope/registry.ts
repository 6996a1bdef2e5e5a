import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TidemarkError } from '../ops/errors.js';
import { envelopeSchemaText } from './envelope.js';

export function createRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url });
}

/** Registers the envelope schema under `<topic>-value` (TopicNameStrategy) and returns its id. */
export async function registerEnvelope(registry: SchemaRegistry, topic: string): Promise<number> {
  try {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: envelopeSchemaText },
      { subject: `${topic}-value` },
    );
    return id;
  } catch (err) {
    throw new TidemarkError('TM_REGISTRY', `cannot register the envelope schema for subject '${topic}-value'`, {
      retriable: true,
      cause: err,
    });
  }
}
