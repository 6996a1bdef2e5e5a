// CR-5: backfill-derivedDestinations fell back to a strict:false model when its
// schema failed to load, skipped every row and exited 0. A mapping that cannot load
// is a ConfigError at start-up naming file and field, every problem at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/ops/errors.js';
import { loadMappings, mappingFromYaml } from '../../../src/transform/index.js';
import { CONNECTORS, thrown } from './fixtures.js';

const GOOD = `collection: things
table: things
key: { column: id }
extra: extra
columns:
  - { column: name, path: name, type: text, nullable: false }
`;

let dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-mappings-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function problemsOf(fn: () => unknown): string[] {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe('CR-5 mapping load is strict', () => {
  it('loads the real connectors folder', () => {
    const mappings = loadMappings(CONNECTORS);
    expect(mappings.map((m) => m.collection)).toContain('payments');
  });

  it('reports every problem of every file at once, naming file and field', () => {
    const dir = folder({
      'things.yaml': GOOD,
      'payments.yaml': `collection: payments
table: payments
key: { column: id }
extra: extra
colour: blue
columns:
  - { column: amount, path: amount, type: monee, nullable: false }
  - { column: status, path: status, type: enum, nullable: false }
  - { column: buyer_id, path: buyerId, type: ref, nullable: true }
  - { column: amount, path: amount2, type: money, nullable: false }
  - { column: note, path: note, type: text }
  - { column: flag, path: flag, type: boolean, nullable: true, check: positive }
`,
      'users.yaml': 'collection: users\ntable: [unclosed\n',
    });
    const problems = problemsOf(() => loadMappings(dir));
    const file = join(dir, 'payments.yaml');
    expect(problems).toEqual(expect.arrayContaining([
      `${file}: colour: unknown key (allowed: collection, table, key, legacyIdColumn, extra, columns, children)`,
      expect.stringMatching(new RegExp(`^${escape(file)}: columns\\[0\\] \\(amount\\)\\.type: unknown type "monee"`)),
      `${file}: columns[1] (status).values: an enum needs values: { <source value>: <target value>, ... }`,
      `${file}: columns[2] (buyer_id).references: missing: name the referenced collection`,
      `${file}: columns[3] (amount): duplicate column 'amount' (already used by columns[0] (amount))`,
      expect.stringMatching(/columns\[4\] \(note\)\.nullable: must be true or false/),
      `${file}: columns[5] (flag).check: only numeric types take a check, not 'boolean'`,
      expect.stringMatching(new RegExp(`^${escape(join(dir, 'users.yaml'))}: cannot parse YAML: .*line`)),
    ]));
    expect(problems).toHaveLength(8);
  });

  it('reports a missing key, table and extra column', () => {
    const problems = problemsOf(() => mappingFromYaml('collection: things\ncolumns: []\n', 'things.yaml'));
    expect(problems).toEqual([
      'things.yaml: table: missing',
      'things.yaml: key: missing: write key: { column: <uuid primary key column> }',
      'things.yaml: extra: missing: name the jsonb column that keeps unmapped fields (never dropped)',
    ]);
  });

  it('fails when an included collection has no mapping file', () => {
    const dir = folder({ 'things.yaml': GOOD });
    const problems = problemsOf(() => loadMappings(dir, ['things', 'payments']));
    expect(problems).toEqual([`${join(dir, 'payments.yaml')}: missing: 'payments' is included but has no mapping`]);
  });

  it('loads only the included collections, ignoring others', () => {
    const dir = folder({ 'things.yaml': GOOD, 'other.yaml': 'not: [valid' });
    expect(loadMappings(dir, ['things']).map((m) => m.collection)).toEqual(['things']);
  });

  it('fails on an empty folder, a missing folder and a file named for another collection', () => {
    expect(problemsOf(() => loadMappings(folder({})))[0]).toMatch(/no \*\.yaml mappings/);
    expect(problemsOf(() => loadMappings(join(tmpdir(), 'tidemark-no-such-dir')))[0]).toMatch(/cannot read the mapping folder/);
    const dir = folder({ 'stuff.yaml': GOOD });
    expect(problemsOf(() => loadMappings(dir))).toEqual([
      `${join(dir, 'stuff.yaml')}: collection: 'things' does not match the file name (expected 'stuff')`,
    ]);
  });

  it('refuses a .yml file instead of silently ignoring it', () => {
    const dir = folder({ 'things.yaml': GOOD, 'users.yml': GOOD });
    expect(problemsOf(() => loadMappings(dir))).toEqual([`${join(dir, 'users.yml')}: rename to .yaml (a .yml file would be silently ignored)`]);
  });

  it('refuses duplicate YAML keys and two collections writing one table', () => {
    expect(problemsOf(() => mappingFromYaml(`${GOOD}table: again\n`, 'things.yaml'))[0]).toMatch(/Map keys must be unique/);
    const dir = folder({ 'things.yaml': GOOD, 'stuff.yaml': GOOD.replace('collection: things', 'collection: stuff') });
    expect(problemsOf(() => loadMappings(dir))).toEqual([`${join(dir, 'things.yaml')}: table: 'things' is already the target of ${join(dir, 'stuff.yaml')}`]);
  });

  it('validates identifiers, paths and type-specific keys', () => {
    const problems = problemsOf(() => mappingFromYaml(`collection: things
table: Things
key: { column: id, type: uuid }
extra: extra
columns:
  - { column: a, path: "metadata..x", type: text, nullable: true }
  - { column: b, path: _id, type: text, nullable: true }
  - { column: c, path: "$where", type: text, nullable: true }
  - { column: d, path: d, type: money, nullable: true, precision: 10 }
  - { column: e, path: e, type: decimal, nullable: true, precision: 10, scale: 12 }
  - { column: f, path: f, type: text, nullable: true, values: { a: b } }
  - { column: g, path: g, type: enum, nullable: true, values: { a: 1 } }
  - { column: h, path: h, type: text, nullable: true, acceptHexString: true }
`, 'things.yaml'));
    expect(problems).toEqual([
      'things.yaml: table: "Things" is not a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)',
      'things.yaml: key.type: unknown key (allowed: column)',
      'things.yaml: columns[0] (a).path: "metadata..x": segments must be non-empty and must not start with \'$\'',
      'things.yaml: columns[1] (b).path: _id is mapped by key / legacyIdColumn, not by a column',
      'things.yaml: columns[2] (c).path: "$where": segments must be non-empty and must not start with \'$\'',
      'things.yaml: columns[3] (d).precision: money is always numeric(38,18); use type decimal for another shape',
      'things.yaml: columns[4] (e).scale: must be an integer 0..precision (10)',
      "things.yaml: columns[5] (f).values: only enum columns take values, not 'text'",
      'things.yaml: columns[6] (g).values: "a" must map to a non-empty string, not 1',
      'things.yaml: columns[7] (h).acceptHexString: only ref columns take acceptHexString',
    ]);
  });

  it('parses a valid mapping into typed columns', () => {
    const m = mappingFromYaml(`collection: things
table: things
key: { column: id }
legacyIdColumn: legacy_id
extra: extra
columns:
  - { column: kind, path: kind, type: enum, nullable: false, values: { "a.b": a_b } }
  - { column: owner_id, path: meta.ownerId, type: ref, references: users, nullable: true }
  - { column: ratio, path: ratio, type: decimal, nullable: true, precision: 10, scale: 4, check: nonnegative }
`, 'things.yaml');
    expect(m.legacyIdColumn).toBe('legacy_id');
    expect(m.columns[0]?.values?.get('a.b')).toBe('a_b');
    expect(m.columns[1]).toMatchObject({ segments: ['meta', 'ownerId'], references: 'users', nullable: true });
    expect(m.columns[2]).toMatchObject({ precision: 10, scale: 4, check: 'nonnegative' });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
