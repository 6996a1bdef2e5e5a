// Each run's report is kept in tidemark_verifications (migration 0006), so the
// cutover gate and the status page can read the latest verification.

import pg from 'pg';
import type { Config } from '../ops/config.js';
import type { Report } from './report.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function recordVerification(db: Queryable, report: Report): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO tidemark_verifications (started_at, finished_at, clean, could_not_verify, report)
     VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
    [report.startedAt, report.finishedAt, report.status === 'clean', report.status === 'could-not-verify' || report.status === 'in-flight', JSON.stringify(report)],
  );
  return rows[0]!.id;
}

export interface VerificationRecord {
  id: string;
  startedAt: string;
  finishedAt: string;
  clean: boolean;
  couldNotVerify: boolean;
  report: Report;
}

/** The newest finished verification, or null when none was recorded yet. */
export async function latestVerification(db: Queryable): Promise<VerificationRecord | null> {
  const { rows } = await db.query<{ id: string; started_at: Date; finished_at: Date; clean: boolean; could_not_verify: boolean; report: Report }>(
    `SELECT id::text, started_at, finished_at, clean, could_not_verify, report FROM tidemark_verifications
     ORDER BY finished_at DESC, id DESC LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at.toISOString(), clean: r.clean, couldNotVerify: r.could_not_verify, report: r.report };
}

/** Records a run that failed before it had a session (a service unreachable); PostgreSQL may be the one down. */
export async function recordBestEffort(config: Config, report: Report): Promise<boolean> {
  const db = new pg.Client({ connectionString: config.postgres.url, options: `-c search_path=${config.postgres.schema}`, connectionTimeoutMillis: 3000 });
  db.on('error', () => undefined);
  try {
    await db.connect();
    await recordVerification(db, report);
    return true;
  } catch {
    return false; // the failure being reported may be PostgreSQL's own
  } finally {
    await db.end().catch(() => undefined);
  }
}
