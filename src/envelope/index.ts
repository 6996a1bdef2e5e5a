export { BSON_READ_OPTIONS, envelopeType, envelopeSchemaText, versionOf } from './envelope.js';
export type { ChangeEnvelope, Op, SourcePosition } from './envelope.js';
export { frame, schemaIdOf, AvroDecoder } from './wire.js';
export { createRegistry, registerEnvelope } from './registry.js';
