export { Random } from './random.js';
export { paymentDocument } from './payments.js';
export type { PaymentOptions } from './payments.js';
