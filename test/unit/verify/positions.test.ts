// When the sink's applied position has passed the moment a difference was seen.
import { describe, expect, it } from 'vitest';
import { passed, recordsBehind, type TopicView } from '../../../src/verify/positions.js';

const view = (partitions: TopicView['partitions'], sourceUpTo: TopicView['sourceUpTo']): TopicView => ({
  collection: 'payments',
  topic: 't',
  partitions,
  sourceUpTo,
  sourcePhase: 'stream',
});
const at = { t: 1000, i: 5 };

describe('passed', () => {
  it('a partition passes by applying a record of a later cluster second', () => {
    expect(passed(view([{ partition: 0, next: 5n, end: 9n, appliedSeconds: 1001 }], null), at)).toBe(true);
    // Whole seconds: a record of the same second may be older than the observation.
    expect(passed(view([{ partition: 0, next: 5n, end: 9n, appliedSeconds: 1000 }], null), at)).toBe(false);
  });

  it('an idle partition passes by being consumed to its end once the source has read past the moment', () => {
    const idle = { partition: 1, next: 7n, end: 7n, appliedSeconds: 900 };
    expect(passed(view([idle], { t: 1000, i: 5 }), at)).toBe(true);
    expect(passed(view([idle], { t: 1000, i: 4 }), at)).toBe(false); // the source has not read that far
    expect(passed(view([idle], null), at)).toBe(false);
  });

  it('every partition must pass: records waiting on one keep the moment in flight', () => {
    const busy = { partition: 0, next: 5n, end: 9n, appliedSeconds: 1001 };
    const behind = { partition: 1, next: 3n, end: 4n, appliedSeconds: 990 };
    expect(passed(view([busy, behind], { t: 2000, i: 0 }), at)).toBe(false);
    expect(passed(view([busy, { ...behind, next: 4n }], { t: 2000, i: 0 }), at)).toBe(true);
    expect(recordsBehind(view([busy, behind], null))).toBe(5);
  });
});
