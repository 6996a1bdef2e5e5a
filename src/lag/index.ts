export { measureLag, measureLagWith } from './lag.js';
export type { CollectionLag, LagTarget } from './lag.js';
export { stageLags } from './stages.js';
export type { CompletenessMemory, PartitionPosition, StageLags } from './stages.js';
