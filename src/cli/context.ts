import { ConfigError } from '../ops/errors.js';
import type { Config } from '../ops/config.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { preflight, type Service } from '../ops/preflight.js';
import { loadMappings, type Mapping } from '../transform/index.js';

export interface ServiceContext {
  config: Config;
  logger: Logger;
  mappings: Mapping[];
}

/**
 * What every long-lived command does first: mappings load and every needed
 * service answers, or start-up fails naming each problem at once.
 */
export async function startService(config: Config, name: string, services: Service[]): Promise<ServiceContext> {
  const logger = createLogger({ level: config.log.level, name: `tidemark-${name}` });
  const problems: string[] = [];
  let mappings: Mapping[] = [];
  try {
    mappings = loadMappings(config.connectors.dir, config.connectors.include);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  problems.push(...(await preflight(config, services)));
  if (problems.length > 0) throw new ConfigError(problems, `tidemark ${name} start-up`);
  return { config, logger, mappings };
}
