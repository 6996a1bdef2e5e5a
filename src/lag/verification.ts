import type pg from 'pg';
import { latestVerification as latestRecord } from '../verify/store.js';

type Queryable = Pick<pg.Pool, 'query'>;

/** The newest finished run of `tidemark verify`, as the gate and the status page see it. */
export interface VerificationSummary {
  id: string;
  startedAt: string;
  finishedAt: string;
  clean: boolean;
  couldNotVerify: boolean;
  /** Differences the report counts; null when the report does not say. */
  differences: number | null;
}

/** null: no run recorded yet. 'not-installed': the verifier's table is missing (migration 0006 not applied). */
export type LatestVerification = VerificationSummary | null | 'not-installed';

const UNDEFINED_TABLE = '42P01';

/**
 * The verifier's latest record (migration 0006), summarised for the gate and the
 * status page; a missing table means the verifier was never installed, not an error.
 */
export async function latestVerification(db: Queryable): Promise<LatestVerification> {
  try {
    const r = await latestRecord(db);
    if (!r) return null;
    const { id, startedAt, finishedAt, clean, couldNotVerify } = r;
    return { id, startedAt, finishedAt, clean, couldNotVerify, differences: differencesIn(r.report) };
  } catch (err) {
    if ((err as { code?: unknown }).code === UNDEFINED_TABLE) return 'not-installed';
    throw err;
  }
}

/** The report's difference count: `differences` as a number or a list, at the top or under `summary`. */
export function differencesIn(report: unknown): number | null {
  for (const holder of [report, (report as { summary?: unknown } | null)?.summary]) {
    const d = (holder as { differences?: unknown } | null | undefined)?.differences;
    if (typeof d === 'number' && Number.isFinite(d)) return d;
    if (Array.isArray(d)) return d.length;
  }
  return null;
}
