// What a difference that outlived the sink's position is.
import { describe, expect, it } from 'vitest';
import { classify, type Candidate } from '../../../src/verify/classify.js';

const base: Candidate = {
  collection: 'payments',
  table: 'payments',
  key: '11111111-1111-5111-8111-111111111111',
  id: undefined,
  idText: '{"$oid":"0123456789abcdef01234567"}',
  fingerprint: 'v2',
  doc: null,
  appliedFrom: new Map(),
  problems: [{ kind: 'missing-row' }],
  observedAt: { t: 1, i: 1 },
};
const parked = { reason: 'waiting for parent', parkedAt: '2026-01-01T00:00:00.000Z', expired: false };

describe('classify', () => {
  it('a dead letter excuses only the version MongoDB holds now', () => {
    expect(classify(base, { reason: 'CHECK refused', fingerprint: 'v2' }, undefined, 1000).status).toBe('rejected');
    const stale = classify(base, { reason: 'CHECK refused', fingerprint: 'v1' }, undefined, 1000);
    expect(stale).toMatchObject({ status: 'difference', report: { key: base.key, problems: [{ kind: 'missing-row' }] } });
  });

  it('a document the mapping rejects must be on the dead-letter topic', () => {
    const rejected: Candidate = { ...base, problems: [{ kind: 'rejected', reason: 'amount is NULL' }] };
    expect(classify(rejected, { reason: 'amount is NULL', fingerprint: 'v2' }, undefined, 1000).status).toBe('rejected');
    expect(classify(rejected, undefined, undefined, 1000)).toMatchObject({ status: 'difference', report: { note: expect.stringContaining('no dead letter') } });
  });

  it('parked is not a difference until it is older than the bound', () => {
    expect(classify(base, undefined, parked, 1000).status).toBe('parked');
    expect(classify(base, undefined, { ...parked, expired: true }, 1000)).toMatchObject({
      status: 'difference',
      report: { note: expect.stringContaining('longer than sink.parkedMaxAgeMs (1000 ms)') },
    });
  });
});
