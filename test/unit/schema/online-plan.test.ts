import { describe, expect, it } from 'vitest';
import { concurrentIndexName, onlinePlan, splitStatements } from '../../../src/schema/online.js';

describe('schema apply --online plan', () => {
  it('splits at top-level semicolons only: quotes, comments and dollar-quoted bodies stay whole', () => {
    const sql = `-- a comment; not a statement
CREATE TABLE a (note text DEFAULT 'x;y', "we;ird" int); /* block; comment */
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- inside the body; kept
  RAISE EXCEPTION 'no; never';
END $fn$;
SELECT 'it''s; fine'`;
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toBe(`CREATE TABLE a (note text DEFAULT 'x;y', "we;ird" int)`);
    expect(statements[1]).toContain('-- inside the body; kept\n  RAISE EXCEPTION');
    expect(statements[2]).toBe(`SELECT 'it''s; fine'`);
  });

  it('builds indexes concurrently after the commit and validates constraints added NOT VALID', () => {
    const plan = onlinePlan(`
CREATE TABLE IF NOT EXISTS t (id uuid PRIMARY KEY, amount numeric);
CREATE INDEX IF NOT EXISTS idx_t_amount ON t (amount);
CREATE UNIQUE INDEX t_u ON t (id) WHERE amount > 0;
ALTER TABLE t ADD CONSTRAINT ck_t_amount CHECK (amount > 0);
ALTER TABLE t ADD CONSTRAINT fk_t_parent FOREIGN KEY (id) REFERENCES p(id);
ALTER TABLE t ADD CONSTRAINT fk_done FOREIGN KEY (id) REFERENCES p(id) NOT VALID;
ALTER TABLE t ADD COLUMN x int;`);
    expect(plan.transactional).toEqual([
      'CREATE TABLE IF NOT EXISTS t (id uuid PRIMARY KEY, amount numeric)',
      'ALTER TABLE t ADD CONSTRAINT ck_t_amount CHECK (amount > 0) NOT VALID',
      'ALTER TABLE t ADD CONSTRAINT fk_t_parent FOREIGN KEY (id) REFERENCES p(id) NOT VALID',
      'ALTER TABLE t ADD CONSTRAINT fk_done FOREIGN KEY (id) REFERENCES p(id) NOT VALID',
      'ALTER TABLE t ADD COLUMN x int',
    ]);
    expect(plan.after).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_t_amount ON t (amount)',
      'CREATE UNIQUE INDEX CONCURRENTLY t_u ON t (id) WHERE amount > 0',
      'ALTER TABLE t VALIDATE CONSTRAINT ck_t_amount',
      'ALTER TABLE t VALIDATE CONSTRAINT fk_t_parent',
    ]);
    expect(plan.after.map(concurrentIndexName)).toEqual(['idx_t_amount', 't_u', undefined, undefined]);
  });
});
