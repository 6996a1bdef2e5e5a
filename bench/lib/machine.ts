// Where and with what a run was taken: machine, versions, commit. Recorded with every result line.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  kernel: string;
}

export function machine(): Machine {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = 'unknown';
  }
  return { cores: cpus().length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, cpuModel: cpus()[0]?.model ?? 'unknown', kernel };
}

export function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { encoding: 'utf8' }).trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** The component versions the pom pins for the local stack, and the live PostgreSQL's. */
export async function versions(pgUrl: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version };
  try {
    const pom = readFileSync('deploy/local/pom.xml', 'utf8');
    for (const [name, prop] of [
      ['kafka', 'kafka.version'],
      ['apicurio-registry', 'apicurio.version'],
      ['mongo-java-server', 'mongo-java-server.version'],
    ] as const) {
      const m = pom.match(new RegExp(`<${prop.replace(/\./g, '\\.')}>([^<]+)</`));
      if (m) out[name] = m[1]!;
    }
  } catch {
    // no pom: versions stay unknown rather than guessed
  }
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of ['kafkajs', 'pg', 'pg-copy-streams', 'avsc', 'bson', 'mongodb']) out[dep] = pkg.dependencies[dep] ?? 'unknown';
  const client = new pg.Client({ connectionString: pgUrl });
  try {
    await client.connect();
    out.postgresql = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await client.end().catch(() => undefined);
  }
  return out;
}
