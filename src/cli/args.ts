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

/** Aborts on SIGTERM/SIGINT so services finish their batch and exit 0; a second signal exits at once. */
export function shutdownSignal(onFirst?: (signal: string) => void): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (controller.signal.aborted) process.exit(130);
      onFirst?.(sig);
      controller.abort();
    });
  }
  return controller.signal;
}
