// tidemark as it is deployed: `tidemark source` and `tidemark sink` as two processes
// (docker-compose runs them as two services), not one in-process pipeline sharing the
// bench's event loop with its load generator and pollers.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { configFileEnv, stopChild } from '../../test/helpers/child-process.js';
import { sinkConfigFile } from '../../test/helpers/sink-feed.js';
import type { Config } from '../../src/ops/config.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * The compiled CLI run as `tidemark <args>` in a child process of the bench (CPU role
 * node-source or node-sink, by service; node-children otherwise). Its stdout (pino JSON
 * lines) is read: warnings and errors go on to the bench's stderr, so a stall or a retry
 * in a measured run can be told from noise, and with `onLog` each line's `msg` is passed on.
 */
export function spawnCli(args: string[], onLog?: (msg: string) => void): ChildProcess {
  const script = `import(${JSON.stringify(CLI)}).then((m) => m.main(${JSON.stringify(args)}))`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: configFileEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Read to the end even when no longer interested: a full pipe would block the child.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: { level?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return; // not a log line
    }
    if (typeof entry.level === 'number' && entry.level >= 40) process.stderr.write(`[tidemark ${args[0]}] ${line}\n`);
    onLog?.(String(entry.msg));
  });
  return child;
}

/** SIGTERM is the services' graceful stop; SIGKILL if one hangs. */
export const stopService = (child: ChildProcess): Promise<void> => stopChild(child, 'SIGTERM', 30_000);

export interface Services {
  /** Set when a service exited before stop(). */
  readonly error: Error | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the sink and then, once `beforeSource` (if any) resolves, the source of
 * `config`, as two CLI processes sharing one config file. `sourceReady` resolves with
 * the moment the source logged 'source started' (connected, about to read).
 */
function start(config: Config, beforeSource?: (failed: () => Error | undefined) => Promise<void>): Services & { sourceReady: Promise<number> } {
  const file = sinkConfigFile(config, { log: { level: 'info' } });
  let error: Error | undefined;
  let stopping = false;
  const children: ChildProcess[] = [];
  const launch = (service: 'source' | 'sink', onLog?: (msg: string) => void) => {
    const child = spawnCli([service, '--config', file], onLog);
    child.once('exit', (code, signal) => {
      if (!stopping) error ??= new Error(`tidemark ${service} exited (code ${code}, signal ${signal})`);
    });
    children.push(child);
  };
  let sourceReady!: (at: number) => void;
  const ready = new Promise<number>((r) => (sourceReady = r));
  launch('sink');
  const launchSource = () => launch('source', (msg) => msg === 'source started' && sourceReady(performance.now()));
  if (beforeSource) beforeSource(() => error).then(launchSource, (err: unknown) => (error ??= err as Error));
  else launchSource();
  return {
    get error() {
      return error;
    },
    sourceReady: ready,
    async stop() {
      stopping = true;
      await Promise.all(children.map(stopService));
      rmSync(file, { force: true });
    },
  };
}

/** Resolves once consumer group `groupId` is stable with a member. */
async function untilGroupStable(kafka: Kafka, groupId: string, failed: () => Error | undefined): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const error = failed();
      if (error) throw error;
      const { groups } = await admin.describeGroups([groupId]);
      if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return;
      if (Date.now() > deadline) throw new Error(`sink group ${groupId} not stable after 120 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Starts the source and the sink of `config` as two CLI processes. */
export function startServices(config: Config): Services {
  return start(config);
}

/**
 * Starts the sink, waits until its consumer group is stable, then starts the source and
 * resolves once the source is connected and about to read (its 'source started' log):
 * the moment from which a drain times only the drain, as the stage ceilings do.
 */
export async function startServicesForDrain(config: Config, kafka: Kafka): Promise<Services & { readyAt: number }> {
  const services = start(config, (failed) => untilGroupStable(kafka, config.sink.groupId, failed));
  let readyAt: number | undefined;
  void services.sourceReady.then((at) => (readyAt = at));
  const deadline = Date.now() + 180_000;
  while (readyAt === undefined) {
    if (services.error || Date.now() > deadline) {
      await services.stop();
      throw services.error ?? new Error('the source did not start within 180 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return Object.assign(services, { readyAt });
}
