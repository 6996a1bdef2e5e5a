export { Random } from './random.js';
export { paymentDocument } from './payments.js';
export type { PaymentOptions } from './payments.js';
export type { Expectation, GeneratedDoc, HardCaseRates, Pools } from './model.js';
export { DEFAULT_RATES } from './model.js';
export { generateWorkload, tally, WORKLOAD_COLLECTIONS } from './generate.js';
export type { WorkloadOptions } from './generate.js';
