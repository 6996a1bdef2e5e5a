// Static checks of docker-compose.yml and the Dockerfile (no Docker engine needed).
// They pin the things that break a compose stack silently: wrong image majors,
// a Mongo that is not a replica set, Kafka internal topics wanting 3 replicas,
// tidemark pointing at hosts that are not services, commands the CLI does not have.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/ops/config.js';
import { SCHEMA } from '../../src/ops/config-schema.js';
import { COMMANDS } from '../../src/cli/commands.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

type Obj = Record<string, unknown>;
interface Service {
  image?: string;
  build?: string | { context?: string };
  command?: string | string[];
  environment?: Obj | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  restart?: string;
  profiles?: string[];
  ports?: unknown[];
}

// merge: true resolves the `<<: *tidemark-env` merge keys the way Compose does.
const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const svc = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`service '${name}' is not defined in docker-compose.yml`);
  return s;
};

const EXPECTED_SERVICES = ['mongo', 'kafka', 'registry', 'postgres', 'schema', 'source', 'sink', 'status', 'verifier'];
const TIDEMARK_SERVICES = ['schema', 'source', 'sink', 'status', 'verifier'];
const CLI_COMMANDS = Object.keys(COMMANDS);

function envOf(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const entry of s.environment) {
      const i = entry.indexOf('=');
      if (i > 0) out[entry.slice(0, i)] = entry.slice(i + 1);
    }
  } else if (s.environment) {
    for (const [k, v] of Object.entries(s.environment)) out[k] = v === null ? '' : String(v);
  }
  return out;
}

function commandOf(s: Service): string[] {
  if (Array.isArray(s.command)) return s.command.map(String);
  return typeof s.command === 'string' ? s.command.trim().split(/\s+/) : [];
}

function dependsOn(s: Service): Record<string, string | undefined> {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(s.depends_on).map(([k, v]) => [k, v?.condition]));
}

/** Image tag's leading major version, e.g. apache/kafka:4.1.0 -> 4. */
function imageMajor(image: string | undefined): number {
  const tag = /:([^/:@]+)(@.*)?$/.exec(image ?? '')?.[1] ?? '';
  const m = /^v?(\d+)(?:[.-]|$)/.exec(tag);
  return m ? Number(m[1]) : Number.NaN;
}

/** Hostnames of a single- or multi-host connection URL (mongodb://a:1,b:2/..., postgres://u@h:5432/db). */
function urlHosts(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(url);
  if (!m || !m[1]) return [];
  return m[1].split(',').map((hp) => hp.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
}

function brokerHosts(brokers: string): string[] {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => b.replace(/:\d+$/, ''));
}

describe('docker-compose.yml', () => {
  it('defines every service of the stack', () => {
    expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(EXPECTED_SERVICES));
    for (const name of EXPECTED_SERVICES) expect(services[name], name).toBeTypeOf('object');
  });

  it('runs MongoDB 7 as a replica set that the healthcheck initiates for host mongo:27017', () => {
    const mongo = svc('mongo');
    expect(mongo.image).toMatch(/^mongo:/);
    expect(imageMajor(mongo.image)).toBe(7);
    const cmd = commandOf(mongo);
    const i = cmd.findIndex((a) => a === '--replSet' || a.startsWith('--replSet='));
    expect(i, 'mongo command has --replSet').toBeGreaterThanOrEqual(0);
    const setName = cmd[i]!.includes('=') ? cmd[i]!.split('=')[1] : cmd[i + 1];
    expect(setName).toBeTruthy();
    const test = [mongo.healthcheck?.test ?? []].flat().join(' ');
    expect(test).toContain('rs.initiate');
    expect(test).toContain(`_id:'${setName}'`);
    // The member host must be the service name the tidemark containers connect to.
    expect(test).toContain("host:'mongo:27017'");
  });

  it('runs Apache Kafka 4 in KRaft mode with single-replica internal topics', () => {
    const kafka = svc('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    expect(imageMajor(kafka.image)).toBe(4);
    const env = envOf(kafka);
    expect(env.KAFKA_PROCESS_ROLES?.split(',').map((r) => r.trim()).sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_NODE_ID).toMatch(/^\d+$/);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@kafka:9093`);
    expect(env.KAFKA_LISTENERS).toContain('CONTROLLER://');
    expect(env.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('1');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('runs Apicurio Registry 3', () => {
    const registry = svc('registry');
    expect(registry.image).toMatch(/^apicurio\/apicurio-registry:/);
    expect(imageMajor(registry.image)).toBe(3);
  });

  it('runs PostgreSQL with a pg_isready healthcheck', () => {
    const pg = svc('postgres');
    expect(pg.image).toMatch(/^postgres:/);
    expect([pg.healthcheck?.test ?? []].flat().join(' ')).toContain('pg_isready');
  });

  describe.each(TIDEMARK_SERVICES)('tidemark service %s', (name) => {
    // A missing service fails 'defines every service' above and every test here.
    const s: Service = services[name] ?? {};
    const env = envOf(s);

    it('is built from the project Dockerfile', () => {
      const context = typeof s.build === 'string' ? s.build : s.build?.context;
      expect(context).toBe('.');
    });

    it('runs a real CLI subcommand', () => {
      const cmd = commandOf(s);
      expect(CLI_COMMANDS).toContain(cmd[0]);
    });

    it('gets no unresolved merge key in its environment', () => {
      expect(Object.keys(env)).not.toContain('<<');
    });

    it('uses the Confluent-compatible registry path of the local default', () => {
      const localPath = new URL(SCHEMA.schemaRegistry.url.default).pathname;
      expect(localPath).toBe('/apis/ccompat/v7');
      expect(env.SCHEMA_REGISTRY_URL).toBeDefined();
      expect(new URL(env.SCHEMA_REGISTRY_URL!).pathname.replace(/\/$/, '')).toBe(localPath);
    });

    it('points every connection at a compose service', () => {
      const hosts: [string, string[]][] = [
        ['MONGO_URL', urlHosts(env.MONGO_URL ?? '')],
        ['KAFKA_BROKERS', brokerHosts(env.KAFKA_BROKERS ?? '')],
        ['PG_URL', urlHosts(env.PG_URL ?? '')],
        ['SCHEMA_REGISTRY_URL', urlHosts(env.SCHEMA_REGISTRY_URL ?? '')],
      ];
      for (const [key, list] of hosts) {
        expect(list.length, `${key} has a host`).toBeGreaterThan(0);
        for (const host of list) expect(Object.keys(services), `${key} host '${host}'`).toContain(host);
      }
    });

    it("passes tidemark's own config validation", () => {
      const config = loadConfig({ env });
      expect(config.kafka.brokers).toEqual(env.KAFKA_BROKERS!.split(',').map((b) => b.trim()));
      expect(config.mongo.url).toBe(env.MONGO_URL);
      expect(config.postgres.url).toBe(env.PG_URL);
    });
  });

  it('starts source and sink only after the schema one-shot succeeded, and keeps them running', () => {
    for (const name of ['source', 'sink']) {
      expect(dependsOn(svc(name)).schema, name).toBe('service_completed_successfully');
      expect(svc(name).restart, name).toBe('unless-stopped');
    }
    expect(commandOf(svc('source'))[0]).toBe('source');
    expect(commandOf(svc('sink'))[0]).toBe('sink');
  });

  it('runs the verifier only on demand', () => {
    const verifier = svc('verifier');
    expect(commandOf(verifier)[0]).toBe('verify');
    expect(verifier.profiles ?? []).toContain('tools');
  });

  it('has depends_on targets that exist and support their conditions', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, condition] of Object.entries(dependsOn(s))) {
        expect(Object.keys(services), `${name} depends on '${target}'`).toContain(target);
        const t = services[target]!;
        if (condition === 'service_healthy') {
          expect(t.healthcheck?.test, `${name} waits for '${target}' to be healthy`).toBeDefined();
        }
        if (condition === 'service_completed_successfully') {
          // A one-shot under a restart policy would be restarted instead of completing.
          expect([undefined, 'no'], `${target} must not restart`).toContain(t.restart);
        }
      }
    }
  });

  it('does not publish Kafka to the host (its advertised listener is internal)', () => {
    expect(svc('kafka').ports ?? []).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const path = root('Dockerfile');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  // Join continuation lines, drop comments.
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('exists', () => {
    expect(existsSync(path)).toBe(true);
  });

  it('builds on Node 20, matching package.json engines', () => {
    const engines = (JSON.parse(readFileSync(root('package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const [, eMajor, eMinor] = /(\d+)\.(\d+)/.exec(engines) ?? [];
    expect(eMajor).toBe('20');
    const stages = new Set<string>();
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      const [, image, alias] = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(from) ?? [];
      if (image && !stages.has(image)) {
        const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:\.(\d+))?/.exec(image);
        expect(m, `base image ${image} is node`).not.toBeNull();
        expect(m![1], `base image ${image}`).toBe(eMajor);
        if (m![2] !== undefined) expect(Number(m![2])).toBeGreaterThanOrEqual(Number(eMinor));
      }
      if (alias) stages.add(alias);
    }
  });

  it('runs bin/tidemark.js with node as the entrypoint', () => {
    const entry = lines.filter((l) => /^ENTRYPOINT\s/i.test(l)).pop();
    expect(entry).toBeDefined();
    const args = JSON.parse(entry!.replace(/^ENTRYPOINT\s+/i, '')) as string[];
    expect(args[0]).toBe('node');
    expect(args[1]?.replace(/^(\.\/|\/app\/)/, '')).toBe('bin/tidemark.js');
  });

  it('compiles with devDependencies, prunes them, and runs as a non-root user', () => {
    // Shell commands of all RUN lines, in order ("a && b; c" -> a, b, c).
    const commands = lines.filter((l) => /^RUN\s/i.test(l)).flatMap((l) => l.split(/&&|;|\|\|/).map((c) => c.trim()));
    const ci = commands.findIndex((c) => /\bnpm ci\b/.test(c));
    const prune = commands.findIndex((c) => /\bnpm prune\b.*--omit=dev/.test(c));
    expect(ci, 'npm ci').toBeGreaterThanOrEqual(0);
    expect(prune, 'npm prune --omit=dev after npm ci').toBeGreaterThan(ci);
    // tsc comes from devDependencies and runs in `prepare`: neither may be skipped.
    expect(commands[ci]).not.toMatch(/--omit=dev|--production|--only=prod|--ignore-scripts/);
    const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
    const user = lines.slice(lastFrom).filter((l) => /^USER\s/i.test(l)).pop();
    expect(user?.split(/\s+/)[1]).toBe('node');
  });
});
