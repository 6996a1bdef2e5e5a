import type pg from 'pg';

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
 * Reads tidemark_verifications (the verifier's table, migration 0006: id,
 * started_at, finished_at, clean, could_not_verify, report) directly, so the gate
 * and the status page do not depend on the verifier's code. A run still in
 * progress (finished_at NULL) says nothing yet and is passed over.
 */
export async function latestVerification(db: Queryable): Promise<LatestVerification> {
  try {
    const { rows } = await db.query<{
      id: string;
      started_at: Date;
      finished_at: Date;
      clean: boolean;
      could_not_verify: boolean;
      report: unknown;
    }>(
      `SELECT id::text, started_at, finished_at, clean, could_not_verify, report FROM tidemark_verifications
       WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1`,
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at.toISOString(),
      clean: r.clean,
      couldNotVerify: r.could_not_verify,
      differences: differencesIn(r.report),
    };
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
