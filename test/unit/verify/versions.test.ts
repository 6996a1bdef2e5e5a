// Which topic version PostgreSQL must hold: the newest one below the sink's stored offset.
import { describe, expect, it } from 'vitest';
import { newestApplied, type TopicVersion } from '../../../src/verify/versions.js';

const v = (partition: number, offset: number, n: number | null): TopicVersion => ({ partition, offset: BigInt(offset), doc: n === null ? null : { n } });

describe('newestApplied', () => {
  const versions = [v(1, 10, 1), v(1, 14, 2), v(1, 15, null), v(1, 20, 3)];

  it('is the newest version below the stored offset of its partition', () => {
    expect(newestApplied(versions, new Map([[1, 15n]]))).toEqual(v(1, 14, 2));
    expect(newestApplied(versions, new Map([[1, 16n]]))).toEqual(v(1, 15, null)); // a delete: no row
    expect(newestApplied(versions, new Map([[1, 21n]]))).toEqual(v(1, 20, 3));
  });

  it('is none when the sink has applied none of them, or has no offset on that partition', () => {
    expect(newestApplied(versions, new Map([[1, 10n]]))).toBeUndefined();
    expect(newestApplied(versions, new Map([[0, 99n]]))).toBeUndefined();
  });
});
