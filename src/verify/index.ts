// Public API of the verifier: run a verification, read the latest one.

export { couldNotVerify, verify } from './runner.js';
export type { VerifyOptions } from './runner.js';
export { latestVerification, recordBestEffort, recordVerification } from './store.js';
export type { VerificationRecord } from './store.js';
export { summarize } from './summary.js';
export { exitCodeOf } from './report.js';
export type { CheckDifference, CollectionReport, ExitCode, KeyReport, Problem, Report, Status } from './report.js';
