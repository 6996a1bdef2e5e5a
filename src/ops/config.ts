import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { redactUrl } from './logger.js';
import { SCHEMA, type Config, type Field } from './config-schema.js';

export type { Config };

type Raw = Record<string, unknown>;

/**
 * Loads configuration with the precedence defaults → file → environment and
 * validates it. Every problem is collected and reported at once.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  const source = opts.file ?? 'defaults';
  const problems: string[] = [];
  const file = opts.file ? readConfigFile(opts.file, problems) : {};

  for (const key of Object.keys(file)) {
    if (!(key in SCHEMA)) problems.push(`unknown section '${key}'${suggest(key, Object.keys(SCHEMA))}`);
  }

  const out: Raw = {};
  for (const [section, fields] of Object.entries(SCHEMA) as [string, Record<string, Field>][]) {
    const fromFile = file[section];
    if (fromFile !== undefined && !isPlainObject(fromFile)) {
      problems.push(`'${section}' must be a mapping of settings`);
    }
    const given: Raw = isPlainObject(fromFile) ? fromFile : {};
    for (const key of Object.keys(given)) {
      if (!(key in fields)) problems.push(`unknown key '${section}.${key}'${suggest(key, Object.keys(fields))}`);
    }
    const values: Raw = {};
    for (const [key, field] of Object.entries(fields)) {
      const name = `${section}.${key}`;
      const envValue = field.env ? env[field.env] : undefined;
      if (envValue !== undefined && envValue !== '') {
        values[key] = check(field, fromEnv(field, envValue), `${name} (from ${field.env})`, problems);
      } else if (key in given) {
        values[key] = check(field, given[key], name, problems);
      } else {
        values[key] = field.default;
      }
    }
    out[section] = values;
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  return out as Config;
}

function readConfigFile(path: string, problems: string[]): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`cannot read config file '${path}': ${(err as Error).message}`);
    return {};
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      problems.push(`config file '${path}' must hold a mapping of sections`);
      return {};
    }
    return parsed;
  } catch (err) {
    problems.push(`config file '${path}' is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}

function fromEnv(field: Field, value: string): unknown {
  if (field.kind === 'brokers' || field.kind === 'list') {
    return value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (field.kind === 'int') return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  return value;
}

function check(field: Field, value: unknown, name: string, problems: string[]): unknown {
  const fail = (why: string) => {
    problems.push(`${name} ${why}`);
    return undefined;
  };
  switch (field.kind) {
    case 'string':
    case 'secret':
      if (typeof value !== 'string' || value.trim() === '') return fail('must be a non-empty string');
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`must be an integer, got ${JSON.stringify(value)}`);
      if (field.min !== undefined && value < field.min) return fail(`must be >= ${field.min}, got ${value}`);
      if (field.max !== undefined && value > field.max) return fail(`must be <= ${field.max}, got ${value}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !field.values?.includes(value)) {
        return fail(`must be one of ${field.values?.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'url': {
      if (typeof value !== 'string') return fail('must be a URL string');
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return fail(`is not a valid URL: '${redactUrl(value)}'`);
      }
      if (field.protocols && !field.protocols.includes(url.protocol)) {
        return fail(`must use ${field.protocols.join(' or ')}, got '${url.protocol}' in '${redactUrl(value)}'`);
      }
      if (!url.hostname) return fail(`has no host: '${redactUrl(value)}'`);
      return value;
    }
    case 'brokers':
      if (!Array.isArray(value) || value.length === 0) return fail('must be a non-empty list of host:port');
      for (const b of value) {
        if (typeof b !== 'string' || !/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(b) || Number(b.split(':').pop()) > 65535) {
          return fail(`has an invalid broker address ${JSON.stringify(b)} (expected host:port)`);
        }
      }
      return value;
    case 'list':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
        return fail('must be a list of non-empty strings');
      }
      return value;
  }
}

function isPlainObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function suggest(key: string, known: string[]): string {
  const close = known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return close ? ` (did you mean '${close}'?)` : ` (known: ${known.join(', ')})`;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The commented defaults file printed by `tidemark config --defaults`. */
export function defaultsYaml(): string {
  const lines = ['# tidemark configuration: defaults. Precedence: defaults -> this file -> environment.'];
  for (const [section, fields] of Object.entries(SCHEMA) as [string, Record<string, Field>][]) {
    lines.push('', `${section}:`);
    for (const [key, field] of Object.entries(fields)) {
      const env = field.env ? ` [env ${field.env}]` : '';
      // A secret has no default: it is shown commented out, unset.
      const value = field.kind === 'secret' ? `# ${key}: <unset>` : `${key}: ${JSON.stringify(field.default)}`;
      lines.push(`  # ${field.doc}${env}`, `  ${value}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The configuration with credentials stripped, for logs and `tidemark config`. */
export function redactConfig(config: Config): Config {
  return {
    ...config,
    mongo: { ...config.mongo, url: redactUrl(config.mongo.url) },
    postgres: { ...config.postgres, url: redactUrl(config.postgres.url) },
    schemaRegistry: { ...config.schemaRegistry, url: redactUrl(config.schemaRegistry.url) },
    status: { ...config.status, token: config.status.token === undefined ? undefined : '[redacted]' },
  };
}
