// `tidemark schema apply` against real PostgreSQL: idempotent, never skips a
// migration silently (the audit's CR-1), and --online keeps a live table writable.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { applyMigrations, loadMigrations, type Migration } from '../../src/schema/migrations.js';
import { tableShapes, targetProblems } from '../../src/schema/index.js';
import { mappingFromYaml } from '../../src/transform/index.js';
import { dropTestSchema, isolatedConfig } from '../helpers/isolated.js';

const log = createLogger({ level: 'warn' });
const migration = (version: string, sql: string): Migration => ({
  version,
  file: `${version}_test.sql`,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

let config: Config;
let pool: pg.Pool;

describe('schema apply', () => {
  beforeAll(async () => {
    config = await isolatedConfig('schema');
    pool = new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${config.postgres.schema}` });
  });
  afterAll(() => dropTestSchema(config, pool));

  it("applies the project's migrations once; the second run is a no-op", async () => {
    const all = loadMigrations();
    const first = await applyMigrations(config.postgres.url, config.postgres.schema, log);
    expect(first.applied).toEqual(all.map((m) => m.file));
    const tables = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1`, [config.postgres.schema])).rows[0].n;
    const before = await tables();
    const second = await applyMigrations(config.postgres.url, config.postgres.schema, log);
    expect(second).toEqual({ applied: [], alreadyApplied: all.map((m) => m.file) });
    expect(await tables()).toBe(before);
  });

  it('fails loudly on a skipped or edited migration, and on one the database has but tidemark does not', async () => {
    const schema = `${config.postgres.schema}_cr1`;
    const a = migration('0001', 'CREATE TABLE a (id int)');
    const b = migration('0002', 'CREATE TABLE b (id int)');
    const c = migration('0003', 'CREATE TABLE c (id int)');
    try {
      await applyMigrations(config.postgres.url, schema, log, { migrations: [a, c] });
      await expect(applyMigrations(config.postgres.url, schema, log, { migrations: [a, b, c] })).rejects.toThrow(
        /0002_test.sql was skipped: later migration 0003 is already applied/,
      );
      const edited = migration('0001', 'CREATE TABLE a (id bigint)');
      await expect(applyMigrations(config.postgres.url, schema, log, { migrations: [edited, c] })).rejects.toThrow(
        /0001_test.sql changed after it was applied/,
      );
      await expect(applyMigrations(config.postgres.url, schema, log, { migrations: [a] })).rejects.toThrow(
        /records migration 0003_test.sql, which this tidemark does not have/,
      );
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }
  });

  it('refuses to start when a mapping does not fit its table: each problem named by file and field', async () => {
    const mapping = mappingFromYaml(
      `collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: amount, path: amount, type: money, nullable: false }
  - { column: note, path: note, type: text, nullable: true }
  - { column: missing_col, path: x, type: int, nullable: true }
  - { column: kind, path: kind, type: enum, nullable: false, values: { a: a } }
children:
  - { table: thing_parts, path: parts, shape: array, parentKey: thing_id, position: position, columns: [] }`,
      'connectors/things.yaml',
    );
    await pool.query(`CREATE TYPE thing_kind AS ENUM ('a'); CREATE TABLE things (id uuid, amount numeric(18,8) NOT NULL, note text NOT NULL, kind thing_kind NOT NULL, extra jsonb NOT NULL,
      must text NOT NULL, _tm_ts bigint NOT NULL, _tm_ord integer NOT NULL)`);
    const problems = await targetProblems(pool, config.postgres.schema, tableShapes([mapping]));
    expect(problems).toEqual([
      `connectors/things.yaml: table ${config.postgres.schema}.things: column amount is numeric(18,8), the mapping writes numeric(38,18)`,
      `connectors/things.yaml: table ${config.postgres.schema}.things: column note is NOT NULL but the mapping allows NULL (nullable: true)`,
      `connectors/things.yaml: table ${config.postgres.schema}.things: has no column missing_col`,
      `connectors/things.yaml: table ${config.postgres.schema}.things: column kind is thing_kind, a PostgreSQL enum; the mapping writes text: use text with a CHECK of the values`,
      `connectors/things.yaml: table ${config.postgres.schema}.things: column must is NOT NULL without a default, and no mapping column writes it`,
      `connectors/things.yaml: table ${config.postgres.schema}.things: primary key is (none), the mapping's key is (id)`,
      `connectors/things.yaml: children[0]: table ${config.postgres.schema}.thing_parts: does not exist (run \`tidemark schema apply\`)`,
    ]);
  });

  it('--online builds indexes concurrently and validates NOT VALID constraints while the table stays writable', async () => {
    const schema = `${config.postgres.schema}_online`;
    const live = new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${schema}` });
    try {
      await applyMigrations(config.postgres.url, schema, log, {
        migrations: [migration('0001', 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p int, amount numeric)')],
      });
      await live.query('INSERT INTO p SELECT g FROM generate_series(1, 1000) g');
      await live.query('INSERT INTO t SELECT g, CASE WHEN g <= 1000 THEN g END, g FROM generate_series(1, 50000) g');
      // A writer that keeps going while the online migration runs.
      let writes = 0;
      let stop = false;
      const writer = (async () => {
        for (let i = 60_000; !stop; i++) {
          await live.query('INSERT INTO t VALUES ($1, 1, 1)', [i]);
          writes++;
        }
      })();
      const online = migration(
        '0002',
        `ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (p) REFERENCES p(id);
         ALTER TABLE t ADD CONSTRAINT ck_t_amount CHECK (amount > 0);
         CREATE INDEX IF NOT EXISTS idx_t_amount ON t (amount);`,
      );
      const printed: string[] = [];
      const dry = await applyMigrations(config.postgres.url, schema, log, {
        migrations: [migration('0001', 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p int, amount numeric)'), online],
        online: true,
        dryRun: true,
        print: (s) => printed.push(s),
      });
      expect(dry.applied).toEqual(['0002_test.sql']);
      expect(printed.join('\n')).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_t_amount ON t (amount)');
      expect(printed.join('\n')).toContain('ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (p) REFERENCES p(id) NOT VALID');
      await applyMigrations(config.postgres.url, schema, log, {
        migrations: [migration('0001', 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p int, amount numeric)'), online],
        online: true,
      });
      stop = true;
      await writer;
      expect(writes).toBeGreaterThan(0);
      const { rows } = await live.query(
        `SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 't'::regclass AND contype IN ('f', 'c') ORDER BY conname`,
      );
      expect(rows).toEqual([{ conname: 'ck_t_amount', convalidated: true }, { conname: 'fk_t_p', convalidated: true }]);
      const index = await live.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_t_amount'::regclass`);
      expect(index.rows).toEqual([{ indisvalid: true }]);
      const pending = await live.query('SELECT version, pending FROM tidemark_migrations ORDER BY version');
      expect(pending.rows).toEqual([{ version: '0001', pending: [] }, { version: '0002', pending: [] }]);
    } finally {
      await live.end();
      await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }
  });
});
