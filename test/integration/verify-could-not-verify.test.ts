// Never a false green (the audit's CR-9 and CR-11): an unreachable PostgreSQL or
// MongoDB, or a query that times out, ends `tidemark verify` with exit 2 and one line
// saying why; the failed attempt is recorded when PostgreSQL can take it, so the gate
// never reads an older clean run as the latest word.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyCommand } from '../../src/cli/verify-command.js';
import type { Config } from '../../src/ops/config.js';
import { latestVerification } from '../../src/verify/index.js';
import { dropTestSchema, isolatedConfig, migratedPool } from '../helpers/isolated.js';

let config: Config;
let pool: pg.Pool;
const savedEnv = { ...process.env };

/** A config file with the test's isolated settings, plus overrides (the environment must not override them). */
function configFile(overrides: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tidemark-verify-')), 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      mongo: { url: config.mongo.url, database: config.mongo.database },
      kafka: { brokers: config.kafka.brokers, topicPrefix: config.kafka.topicPrefix },
      schemaRegistry: { url: config.schemaRegistry.url },
      postgres: { url: config.postgres.url, schema: config.postgres.schema },
      sink: { groupId: config.sink.groupId },
      log: { level: 'silent' },
      ...overrides,
    }),
  );
  return file;
}

/** Runs `tidemark verify` in this process; returns its exit code and what it printed. */
async function runVerify(args: string[]): Promise<{ code: number; stderr: string[]; stdout: string[] }> {
  const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const stdout = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const code = await verifyCommand.run(args);
  return { code, stderr: stderr.mock.calls.map((c) => String(c[0])), stdout: stdout.mock.calls.map((c) => String(c[0])) };
}

describe('tidemark verify: could not verify', () => {
  beforeAll(async () => {
    config = await isolatedConfig('verifyfail', (c) => ({ connectors: { ...c.connectors, include: ['payments'] } }));
    pool = await migratedPool(config);
    for (const k of ['MONGO_URL', 'MONGO_DATABASE', 'PG_URL', 'PG_SCHEMA', 'KAFKA_BROKERS', 'TIDEMARK_TOPIC_PREFIX', 'SCHEMA_REGISTRY_URL', 'TIDEMARK_SINK_GROUP', 'LOG_LEVEL']) {
      delete process.env[k];
    }
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    process.env = savedEnv;
    await dropTestSchema(config, pool);
  });

  it('PostgreSQL unreachable: exit 2 with one line naming it', async () => {
    const file = configFile({ postgres: { url: 'postgres://postgres@127.0.0.1:1/tidemark', schema: config.postgres.schema } });
    const { code, stderr, stdout } = await runVerify(['--config', file, '--collections', 'payments']);
    expect(code).toBe(2);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^tidemark verify: could not verify: postgres unreachable \(postgres\.url postgres:\/\/postgres@127\.0\.0\.1:1\/tidemark\): /);
    expect(stderr[0]).not.toContain('\n');
    expect(stdout).toEqual([]);
  });

  it('MongoDB unreachable: exit 2 with one line, the JSON report says so, and the failed attempt is recorded', async () => {
    const file = configFile({ mongo: { url: 'mongodb://127.0.0.1:1/?directConnection=true', database: config.mongo.database } });
    const { code, stderr, stdout } = await runVerify(['--config', file, '--collections', 'payments', '--json']);
    expect(code).toBe(2);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^tidemark verify: could not verify: mongo unreachable \(mongo\.url mongodb:\/\/127\.0\.0\.1:1\/\?directConnection=true\): /);
    const report = JSON.parse(stdout.join('\n'));
    expect(report).toMatchObject({ status: 'could-not-verify', exitCode: 2, differences: 0 });
    expect(report.error).toContain('mongo unreachable');
    const latest = await latestVerification(pool);
    expect(latest).toMatchObject({ clean: false, couldNotVerify: true });
  });

  it('a PostgreSQL statement that times out: exit 2, not a pass', async () => {
    const file = configFile({ verify: { statementTimeoutMs: 1000 } });
    // Someone holds the table: the verifier's read waits, then its statement times out.
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE payments IN ACCESS EXCLUSIVE MODE');
      const { code, stderr } = await runVerify(['--config', file, '--collections', 'payments']);
      expect(code).toBe(2);
      expect(stderr).toEqual([expect.stringMatching(/^tidemark verify: could not verify: .*statement timeout/)]);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const latest = await latestVerification(pool);
    expect(latest?.report.error).toMatch(/statement timeout/);
  });

  it('a missing table: exit 2, never a pass', async () => {
    await pool.query('ALTER TABLE payments RENAME TO payments_moved');
    try {
      const { code, stderr } = await runVerify(['--config', configFile({}), '--collections', 'payments']);
      expect(code).toBe(2);
      expect(stderr).toEqual([expect.stringMatching(/^tidemark verify: could not verify: tables missing in PostgreSQL schema .*: payments \(run tidemark schema apply\)$/)]);
    } finally {
      await pool.query('ALTER TABLE payments_moved RENAME TO payments');
    }
  });
});
