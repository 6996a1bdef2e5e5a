export { runSink, PartitionApplier } from './sink.js';
export type { DecodedSlice, SinkCounters, SinkSeams, SliceWriter } from './sink.js';
export { newestPerKey } from './changes.js';
export type { Change } from './changes.js';
export { copyLine, copyField } from './copy-text.js';
export { tableStatements } from './sql.js';
export { SinkMetrics } from './metrics.js';
export { storedOffsets } from './offsets.js';
