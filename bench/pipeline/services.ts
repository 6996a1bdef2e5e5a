// tidemark as it is deployed: `tidemark source` and `tidemark sink` as two processes
// (docker-compose runs them as two services), not one in-process pipeline sharing the
// bench's event loop with its load generator and pollers.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configFileEnv, stopChild } from '../../test/helpers/child-process.js';
import { sinkConfigFile } from '../../test/helpers/sink-feed.js';
import type { Config } from '../../src/ops/config.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The compiled CLI run as `tidemark <args>` in a child process of the bench (CPU role node-children). */
export function spawnCli(args: string[]): ChildProcess {
  const script = `import(${JSON.stringify(CLI)}).then((m) => m.main(${JSON.stringify(args)}))`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { env: configFileEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
}

/** SIGTERM is the services' graceful stop; SIGKILL if one hangs. */
export const stopService = (child: ChildProcess): Promise<void> => stopChild(child, 'SIGTERM', 30_000);

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
      await Promise.all(children.map(stopService));
      rmSync(file, { force: true });
    },
  };
}
