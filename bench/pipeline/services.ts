// tidemark as it is deployed: `tidemark source` and `tidemark sink` as two processes
// (docker-compose runs them as two services), not one in-process pipeline sharing the
// bench's event loop with its load generator and pollers.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sinkConfigFile } from '../../test/helpers/sink-feed.js';
import type { Config } from '../../src/ops/config.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Environment overrides that would beat the config file's isolated values. */
const OVERRIDES = ['PG_SCHEMA', 'TIDEMARK_SINK_GROUP', 'TIDEMARK_TOPIC_PREFIX', 'MONGO_DATABASE', 'LOG_LEVEL', 'TIDEMARK_HTTP_PORT'];

/** The compiled CLI run as `tidemark <args>` in a child process of the bench (CPU role node-children). */
export function spawnCli(args: string[]): ChildProcess {
  const env = { ...process.env };
  for (const k of OVERRIDES) delete env[k];
  const script = `import(${JSON.stringify(CLI)}).then((m) => m.main(${JSON.stringify(args)}))`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Sends SIGTERM (the services' graceful stop) and waits for the exit; SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export interface Services {
  /** Set when a service exited before stop(). */
  readonly error: Error | undefined;
  stop(): Promise<void>;
}

/** Starts the source and the sink of `config` as two CLI processes. */
export function startServices(config: Config): Services {
  const file = sinkConfigFile(config);
  let error: Error | undefined;
  let stopping = false;
  const children = ['source', 'sink'].map((service) => {
    const child = spawnCli([service, '--config', file]);
    child.once('exit', (code, signal) => {
      if (!stopping) error ??= new Error(`tidemark ${service} exited (code ${code}, signal ${signal})`);
    });
    return child;
  });
  return {
    get error() {
      return error;
    },
    async stop() {
      stopping = true;
      await Promise.all(children.map((c) => stopChild(c)));
      rmSync(file, { force: true });
    },
  };
}
