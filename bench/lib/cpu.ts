// CPU seconds (utime + stime) per process role, read from /proc, so each run can say
// what it cost in CPU and where: broker, registry, Mongo server, PostgreSQL, Node.
import { readdirSync, readFileSync } from 'node:fs';

export type Role = 'kafka' | 'registry' | 'mongo' | 'postgres' | 'node' | 'node-source' | 'node-sink' | 'node-children';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** The role of a process from its command line; undefined for processes the bench does not count. */
export function roleOf(comm: string, cmdline: string, pid: number, self = process.pid, parentOf?: number): Role | undefined {
  if (pid === self) return 'node';
  if (comm === 'java') {
    if (cmdline.includes('kafka.Kafka')) return 'kafka';
    if (cmdline.includes('quarkus') || cmdline.toLowerCase().includes('apicurio')) return 'registry';
    if (cmdline.includes('mongo-java-server') || cmdline.includes('MongoServerLauncher')) return 'mongo';
    return undefined;
  }
  if (comm === 'postgres' || cmdline.startsWith('postgres:')) return 'postgres';
  if (parentOf === self) {
    // The CLI services (bench/pipeline/services.ts) run as `-e …main(["source", …])`.
    if (cmdline.includes('main(["source"')) return 'node-source';
    if (cmdline.includes('main(["sink"')) return 'node-sink';
    return 'node-children';
  }
  return undefined;
}

interface Stat {
  comm: string;
  ppid: number;
  ticks: number;
  /** CPU of reaped children (cutime + cstime). */
  reapedTicks: number;
}

/** Fields of /proc/<pid>/stat after the parenthesised command name. */
export function parseStat(text: string): Stat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const ticks = Number(rest[11]) + Number(rest[12]);
  const reapedTicks = Number(rest[13]) + Number(rest[14]);
  return { comm, ppid, ticks, reapedTicks };
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** CPU seconds per role now. Includes this process's reaped children (cutime + cstime). */
export function cpuSnapshot(): Record<Role, number> {
  const out: Record<Role, number> = { kafka: 0, registry: 0, mongo: 0, postgres: 0, node: 0, 'node-source': 0, 'node-sink': 0, 'node-children': 0 };
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const statText = read(`/proc/${pid}/stat`);
    if (!statText) continue;
    const stat = parseStat(statText);
    const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');
    const role = roleOf(stat.comm, cmdline, pid, process.pid, stat.ppid);
    if (role) out[role] += stat.ticks / TICKS_PER_SECOND;
    // Ended processes leave their CPU in their parent's cutime + cstime once reaped:
    // closed PostgreSQL backends in the postmaster's, finished psql runs in ours.
    if (pid === process.pid) out['node-children'] += stat.reapedTicks / TICKS_PER_SECOND;
    if (role === 'postgres' && stat.ppid === 1) out.postgres += stat.reapedTicks / TICKS_PER_SECOND;
  }
  return out;
}

/** CPU seconds spent per role between two snapshots (roles that spent nothing are left out). */
export function cpuDelta(before: Record<Role, number>, after: Record<Role, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const role of Object.keys(after) as Role[]) {
    const d = after[role] - (before[role] ?? 0);
    if (d > 0) out[role] = Math.round(d * 1000) / 1000;
  }
  return out;
}

/** Runs `fn` and adds the CPU seconds per role it cost to its measurement. */
export async function withCpu<T extends { cpu?: Record<string, number> }>(fn: () => Promise<T>): Promise<T> {
  const before = cpuSnapshot();
  const m = await fn();
  return { ...m, cpu: m.cpu ?? cpuDelta(before, cpuSnapshot()) };
}
