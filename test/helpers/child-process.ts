// Child processes of tests and benches (tidemark services, the delay proxy). Light on
// imports: the delay proxy's own process loads this module.
import type { ChildProcess } from 'node:child_process';

/**
 * This process's environment without the overrides that would beat a config file's
 * isolated values (environment overrides the file), for a tidemark child process.
 */
export function configFileEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['PG_SCHEMA', 'TIDEMARK_SINK_GROUP', 'TIDEMARK_TOPIC_PREFIX', 'MONGO_DATABASE', 'LOG_LEVEL', 'TIDEMARK_HTTP_PORT']) delete env[k];
  return env;
}

/** Sends `signal` and waits for the exit; with `killAfterMs`, SIGKILL if it has not exited by then. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL', killAfterMs?: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
