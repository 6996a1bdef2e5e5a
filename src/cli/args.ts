import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../ops/config.js';

export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
}

export function configFrom(values: { config?: string | boolean | (string | boolean)[] | undefined }): Config {
  const file = typeof values.config === 'string' ? values.config : process.env.TIDEMARK_CONFIG;
  return loadConfig({ file });
}

/**
 * Aborts on SIGTERM/SIGINT so services finish their batch and exit 0. A second
 * signal, or no clean stop within `boundMs`, exits at once: nothing is lost,
 * because an unfinished transaction is aborted and redone by the next start.
 */
export function shutdownSignal(onFirst?: (signal: string) => void, boundMs?: number): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (controller.signal.aborted) process.exit(130);
      onFirst?.(sig);
      controller.abort();
      if (boundMs) {
        setTimeout(() => {
          console.error(`tidemark: no clean stop within ${boundMs} ms; exiting (the open transaction will be aborted)`);
          process.exit(1);
        }, boundMs).unref();
      }
    });
  }
  return controller.signal;
}
