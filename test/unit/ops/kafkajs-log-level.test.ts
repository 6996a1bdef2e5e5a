import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLogLevel } from '../../../src/ops/kafka.js';

const CONCURRENT = 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajs log levels', () => {
  it('keeps what kafkajs gives up on an error, makes its retries warnings', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', {})).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Failed to send messages: Broker not available', { retryCount: 0, retryTime: 300 })).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', { retryCount: 0 })).toBe('debug');
    expect(kafkajsLogLevel(logLevel.WARN, 'anything', {})).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, 'anything', {})).toBe('info');
  });

  it('a transaction begun while the previous one’s markers are written is debug for its first retries, then a warning', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, CONCURRENT, { retryCount: 0, retryTime: 25 })).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, CONCURRENT, { retryCount: 2, retryTime: 90 })).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, CONCURRENT, { retryCount: 3, retryTime: 180 })).toBe('warn');
  });
});
