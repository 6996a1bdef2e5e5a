import type { Config } from '../ops/config.js';
import { ConfigError, describe } from '../ops/errors.js';
import { couldNotVerify, recordBestEffort, summarize, verify } from '../verify/index.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';

// Exit 0 clean, 1 differences, 2 could not verify. Every failure, from a bad option
// to an unreachable database, is exit 2 with one line saying why: never green.
export const verifyCommand: Command = {
  summary:
    'Compare MongoDB and PostgreSQL document by document, lag-aware (exit 0 clean, 1 differences, 2 could not verify: unreachable, timeout, still in flight).',
  usage: 'tidemark verify [--config <file>] [--json] [--collections a,b] [--settle-timeout <ms>]',
  async run(argv) {
    const json = argv.includes('--json');
    const startedAt = new Date();
    let config: Config | undefined;
    let settleTimeoutMs: number | undefined;
    try {
      const { values } = parse(argv, { json: { type: 'boolean' }, collections: { type: 'string' }, 'settle-timeout': { type: 'string' } });
      settleTimeoutMs = values['settle-timeout'] === undefined ? undefined : milliseconds(values['settle-timeout']);
      config = configFrom(values);
      const { logger, mappings } = await startService(config, 'verify', ['mongo', 'kafka', 'schemaRegistry', 'postgres']);
      const wanted = values.collections?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = (wanted ?? []).filter((c) => !mappings.some((m) => m.collection === c));
      if (unknown.length > 0) throw new ConfigError([`--collections: no mapping for ${unknown.join(', ')}`], 'tidemark verify');
      const report = await verify(config, logger, wanted ? mappings.filter((m) => wanted.includes(m.collection)) : mappings, { settleTimeoutMs });
      if (json) console.log(JSON.stringify(report, null, 2));
      else if (report.status !== 'could-not-verify') console.log(summarize(report));
      if (report.exitCode === 2) console.error(`tidemark verify: could not verify: ${oneLine(report.error ?? inFlightReason(report.inFlight, report.settleTimeoutMs))}`);
      return report.exitCode;
    } catch (err) {
      const reason = oneLine(err instanceof ConfigError ? err.problems.join('; ') : describe(err));
      const report = couldNotVerify(startedAt, settleTimeoutMs ?? config?.verify.settleTimeoutMs ?? 0, reason);
      // The gate must see that the newest attempt failed, when PostgreSQL can be told.
      if (config) await recordBestEffort(config, report);
      if (json) console.log(JSON.stringify(report, null, 2));
      console.error(`tidemark verify: could not verify: ${reason}`);
      return 2;
    }
  },
};

function milliseconds(text: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigError([`--settle-timeout must be a whole number of milliseconds, got '${text}'`], 'tidemark verify');
  return Number(text);
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ');

const inFlightReason = (n: number, ms: number) => `${n} document(s) still in flight after ${ms} ms: the sink has not applied them yet (see the report's lag)`;
