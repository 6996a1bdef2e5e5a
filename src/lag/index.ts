export { measureLag } from './lag.js';
export type { CollectionLag } from './lag.js';
