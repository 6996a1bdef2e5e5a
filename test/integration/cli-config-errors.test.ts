import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The built CLI, as an operator runs it (npm test builds it first).
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('node', ['bin/tidemark.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('tidemark CLI start-up errors', () => {
  it('--help lists every command', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['source', 'sink', 'verify', 'lag', 'schema', 'demo', 'gate', 'config']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('an unknown command or option is a usage error (exit 2)', () => {
    expect(cli(['replicate']).status).toBe(2);
    const r = cli(['sink', '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/frobnicate/);
  });

  it('bad configuration names each problem and exits 2 before touching any service', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'kafka:\n  partitions: many\n  topicPrefx: x\npostgres:\n  url: "not a url"\n');
    const r = cli(['sink', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/kafka\.partitions must be an integer/);
    expect(r.stderr).toMatch(/unknown key 'kafka\.topicPrefx' \(did you mean 'topicPrefix'\?\)/);
    expect(r.stderr).toMatch(/postgres\.url is not a valid URL/);
  });

  it('unreachable services are each named, and the service exits 2', () => {
    const r = cli(['source'], {
      MONGO_URL: 'mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=2000',
      KAFKA_BROKERS: '127.0.0.1:2',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:3/apis/ccompat/v7',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mongo unreachable \(mongo\.url mongodb:\/\/127\.0\.0\.1:1/);
    expect(r.stderr).toMatch(/kafka unreachable \(kafka\.brokers 127\.0\.0\.1:2\)/);
    expect(r.stderr).toMatch(/schemaRegistry unreachable \(schemaRegistry\.url http:\/\/127\.0\.0\.1:3/);
  });

  it('a mapping that cannot load is a start-up error, never a schema-less fallback (CR-5)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-maps-'));
    writeFileSync(join(dir, 'payments.yaml'), 'collection: payments\ntable: payments\nkey: { column: id }\nextra: extra\ncolumns:\n  - { column: amount, path: amount, type: mony, nullable: false }\n');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `connectors:\n  dir: ${dir}\n`);
    const r = cli(['sink', '--config', file], { KAFKA_BROKERS: '127.0.0.1:2', PG_URL: 'postgres://x@127.0.0.1:4/none' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/payments\.yaml/);
    expect(r.stderr).toMatch(/mony/);
    expect(r.stderr).toMatch(/postgres unreachable/);
  });
});
