import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TidemarkError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { concurrentIndexName, onlinePlan } from './online.js';

export interface Migration {
  version: string;
  file: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export function defaultMigrationsDir(): string {
  return new URL('../../schemas/sql', import.meta.url).pathname;
}

export function loadMigrations(dir = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const bad = files.filter((f) => !FILE.test(f));
  if (bad.length > 0) {
    throw new TidemarkError('TM_MIGRATION_NAME', `migration files must be named NNNN_name.sql: ${bad.join(', ')}`);
  }
  return files.map((file) => {
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version: FILE.exec(file)![1]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

const ledger = (schema: string) => `CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)};
CREATE TABLE IF NOT EXISTS ${pg.escapeIdentifier(schema)}.tidemark_migrations (
  version    text PRIMARY KEY,
  file       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
-- Online steps (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT) still to run after the commit.
ALTER TABLE ${pg.escapeIdentifier(schema)}.tidemark_migrations ADD COLUMN IF NOT EXISTS pending text[] NOT NULL DEFAULT '{}'`;

export interface ApplyResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies pending migrations in order, each in its own transaction, and
 * records them. Never skips silently (the audit's CR-1): a migration that is
 * missing from the record while a later one is present, or whose file changed
 * after it was applied, stops everything with an error.
 */
export async function applyMigrations(
  url: string,
  schema: string,
  log: Logger,
  opts: { dryRun?: boolean; online?: boolean; print?: (sql: string) => void; migrations?: Migration[] } = {},
): Promise<ApplyResult> {
  const migrations = opts.migrations ?? loadMigrations();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('tidemark_migrations'))`);
    await client.query(ledger(schema));
    const { rows } = await client.query<{ version: string; checksum: string; file: string; pending: string[] }>(
      `SELECT version, checksum, file, pending FROM ${pg.escapeIdentifier(schema)}.tidemark_migrations ORDER BY version`,
    );
    const recorded = new Map(rows.map((r) => [r.version, r]));
    const known = new Set(migrations.map((m) => m.version));
    const problems: string[] = [];
    for (const r of rows) {
      if (!known.has(r.version)) problems.push(`database records migration ${r.file}, which this tidemark does not have`);
    }
    const newest = rows.at(-1)?.version ?? '';
    for (const m of migrations) {
      const seen = recorded.get(m.version);
      if (seen && seen.checksum !== m.checksum) problems.push(`migration ${m.file} changed after it was applied (checksum differs)`);
      if (!seen && m.version < newest) problems.push(`migration ${m.file} was skipped: later migration ${newest} is already applied`);
    }
    if (problems.length > 0) {
      throw new TidemarkError('TM_MIGRATION_STATE', `schema migrations are inconsistent:\n  - ${problems.join('\n  - ')}`);
    }
    const result: ApplyResult = { applied: [], alreadyApplied: [] };
    await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    for (const m of migrations) {
      const seen = recorded.get(m.version);
      if (seen) {
        // An online migration interrupted after its commit finishes its remaining steps first.
        if (seen.pending.length > 0 && !opts.dryRun) await runOnlineSteps(client, m, seen.pending, log);
        result.alreadyApplied.push(m.file);
        continue;
      }
      const plan = opts.online ? onlinePlan(m.sql) : { transactional: [m.sql], after: [] };
      if (opts.dryRun) {
        opts.print?.(`-- ${m.file}${opts.online ? ' (online)' : ''}\n${[...plan.transactional, ...plan.after].join(';\n')};`);
        result.applied.push(m.file);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(plan.transactional.join(';\n'));
        await client.query('INSERT INTO tidemark_migrations (version, file, checksum, pending) VALUES ($1, $2, $3, $4)', [
          m.version,
          m.file,
          m.checksum,
          plan.after,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new TidemarkError('TM_MIGRATION_FAILED', `migration ${m.file} failed`, { cause: err });
      }
      await runOnlineSteps(client, m, plan.after, log);
      log.info({ migration: m.file, online: opts.online ?? false }, 'migration applied');
      result.applied.push(m.file);
    }
    return result;
  } finally {
    await client.end();
  }
}

/**
 * Runs an online migration's post-commit steps one by one, crossing each off the
 * record, so an interruption resumes where it stopped. A concurrent index build
 * that was interrupted leaves an INVALID index behind: it is dropped and rebuilt.
 */
async function runOnlineSteps(client: pg.Client, m: Migration, steps: string[], log: Logger): Promise<void> {
  for (const step of steps) {
    try {
      const index = concurrentIndexName(step);
      if (index) {
        const { rows } = await client.query<{ valid: boolean }>(
          `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
          [index],
        );
        if (rows[0] && !rows[0].valid) await client.query(`DROP INDEX CONCURRENTLY ${pg.escapeIdentifier(index)}`);
      }
      await client.query(step);
      await client.query('UPDATE tidemark_migrations SET pending = pending[2:] WHERE version = $1', [m.version]);
      log.info({ migration: m.file, step: step.split('\n')[0] }, 'online step done');
    } catch (err) {
      throw new TidemarkError(
        'TM_MIGRATION_FAILED',
        `migration ${m.file} is committed but its online step failed: ${step.split('\n')[0]} (run schema apply again to resume)`,
        { cause: err },
      );
    }
  }
}

/** Creates the target database if the server has none of that name (local stack, demo, tests). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
  } finally {
    await client.end();
  }
}
