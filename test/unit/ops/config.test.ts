import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultsYaml, loadConfig, redactConfig } from '../../../src/ops/config.js';
import { ConfigError } from '../../../src/ops/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tidemark-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('defaults point at the local stack', () => {
    const c = loadConfig({ env: {} });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.schemaRegistry.url).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(c.postgres.url).toBe('postgres://postgres@127.0.0.1:5432/tidemark');
    expect(c.source.fullDocument).toBe('updateLookup');
  });

  it('file overrides defaults and environment overrides the file', () => {
    const path = file('ok.yaml', 'kafka:\n  brokers: ["k1:9092"]\n  partitions: 6\npostgres:\n  url: postgres://u@db:5432/x\n');
    const c = loadConfig({ file: path, env: { PG_URL: 'postgres://u@other:5432/y', KAFKA_BROKERS: 'a:1, b:2' } });
    expect(c.kafka.partitions).toBe(6);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.postgres.url).toBe('postgres://u@other:5432/y');
  });

  it('reports every problem at once, each naming its setting', () => {
    const path = file(
      'bad.yaml',
      [
        'kafka:',
        '  brokrs: ["x:1"]', // unknown key
        '  partitions: 0',
        'mongo:',
        '  url: "http//no-scheme"',
        'postgres:',
        '  url: "mysql://root@db/x"',
        'sourse: {}', // unknown section
        'source:',
        '  fullDocument: always',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: { KAFKA_BROKERS: 'no-port' } }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown key 'kafka\.brokrs' \(did you mean 'brokers'\?\)/),
        expect.stringMatching(/kafka\.partitions must be >= 1, got 0/),
        expect.stringMatching(/mongo\.url is not a valid URL/),
        expect.stringMatching(/postgres\.url must use postgres: or postgresql:, got 'mysql:'/),
        expect.stringMatching(/unknown section 'sourse' \(did you mean 'source'\?\)/),
        expect.stringMatching(/source\.fullDocument must be one of updateLookup, whenAvailable, required/),
        expect.stringMatching(/kafka\.brokers \(from KAFKA_BROKERS\) has an invalid broker address "no-port"/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('an unreadable or malformed file is a named problem', () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }))[0]).toMatch(/cannot read config file/);
    expect(problemsOf(() => loadConfig({ file: file('broken.yaml', 'kafka: [unclosed'), env: {} }))[0]).toMatch(/not valid YAML/);
  });

  it('never prints credentials', () => {
    const c = loadConfig({ env: { PG_URL: 'postgres://app:s3cret@db:5432/x', MONGO_URL: 'mongodb://u:hunter2@m:27017/' } });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('hunter2');
    const problems = problemsOf(() => loadConfig({ env: { PG_URL: 'mysql://app:s3cret@db/x' } }));
    expect(problems.join()).not.toContain('s3cret');
  });

  it('the defaults file documents every setting and loads back unchanged', () => {
    const text = defaultsYaml();
    expect(text).toContain('[env KAFKA_BROKERS]');
    expect(loadConfig({ file: file('defaults.yaml', text), env: {} })).toEqual(loadConfig({ env: {} }));
  });
});
