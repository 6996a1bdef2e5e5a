import { MongoNetworkError, MongoServerError } from 'mongodb';
import { KafkaJSConnectionError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { TidemarkError } from '../../../src/ops/errors.js';
import { isHistoryLost, isRetriableSourceError } from '../../../src/source/index.js';

// Error shapes from the MongoDB manual / server error codes, which the local
// wire-compatible server never produces (its oplog is never truncated).
const historyLost = new MongoServerError({
  ok: 0,
  code: 286,
  codeName: 'ChangeStreamHistoryLost',
  errmsg: 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
  errorLabels: ['NonResumableChangeStreamError'],
});

describe('source error classification', () => {
  it('recognises history lost (code 286) and never retries it silently', () => {
    expect(isHistoryLost(historyLost)).toBe(true);
    expect(isRetriableSourceError(historyLost)).toBe(false);
    expect(isHistoryLost(new MongoServerError({ ok: 0, code: 280, codeName: 'ChangeStreamFatalError', errmsg: 'x' }))).toBe(true);
  });

  it('retries broker and network outages and primary stepdowns', () => {
    expect(isRetriableSourceError(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toBe(true);
    expect(isRetriableSourceError(new KafkaJSProtocolError('The coordinator is not available'))).toBe(true);
    expect(isRetriableSourceError(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isRetriableSourceError(new MongoServerError({ ok: 0, code: 189, codeName: 'PrimarySteppedDown', errmsg: 'x' }))).toBe(true);
    expect(
      isRetriableSourceError(new MongoServerError({ ok: 0, code: 1, errmsg: 'x', errorLabels: ['ResumableChangeStreamError'] })),
    ).toBe(true);
  });

  it('stops on errors another try cannot fix', () => {
    expect(isRetriableSourceError(new MongoServerError({ ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'not authorized' }))).toBe(false);
    expect(isRetriableSourceError(new MongoServerError({ ok: 0, code: 2, codeName: 'BadValue', errmsg: 'unknown $type' }))).toBe(false);
    expect(isRetriableSourceError(new TidemarkError('TM_EVENT_SHAPE', 'no clusterTime'))).toBe(false);
    expect(isRetriableSourceError(new TidemarkError('TM_REGISTRY', 'down', { retriable: true }))).toBe(true);
  });
});
