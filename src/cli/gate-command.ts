import pg from 'pg';
import { decideGate, type GateResult } from '../lag/gate.js';
import { describe } from '../ops/errors.js';
import { formatDuration, parseDuration } from '../ops/duration.js';
import { sampleTolerance } from '../status/index.js';
import { configFrom, parse } from './args.js';
import type { Command } from './commands.js';
import { startService } from './context.js';
import { textTable } from './text-table.js';

const SAYS = { open: 'OPEN: reads may flip to PostgreSQL', closed: 'CLOSED: reads must not flip', undecided: 'UNDECIDED: cannot tell, so reads must not flip' };

export const gateCommand: Command = {
  summary:
    'Cutover gate: exit 0 only if every collection\'s end-to-end lag, as sampled by tidemark status, stayed under\n' +
    '--max-lag throughout --window and the latest verification is clean and finished inside the window. Exit 1\n' +
    'with the reasons otherwise; exit 2 when it cannot tell (no or missing samples, unreachable PostgreSQL).\n' +
    'Defaults: gate.maxLagMs and gate.windowMs from the configuration.',
  usage: 'tidemark gate [--max-lag <duration>] [--window <duration>] [--json] [--config <file>]',
  async run(argv) {
    const { values } = parse(argv, { 'max-lag': { type: 'string' }, window: { type: 'string' }, json: { type: 'boolean' } });
    const config = configFrom(values);
    const maxLagMs = values['max-lag'] === undefined ? config.gate.maxLagMs : parseDuration(values['max-lag'], '--max-lag');
    const windowMs = values.window === undefined ? config.gate.windowMs : parseDuration(values.window, '--window');
    const { mappings } = await startService(config, 'gate', ['postgres']);
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2, options: `-c search_path=${config.postgres.schema}` });
    let result: GateResult;
    try {
      result = await decideGate(pool, config.sink.groupId, mappings.map((m) => m.collection), {
        now: Date.now(),
        windowMs,
        maxLagMs,
        toleranceMs: sampleTolerance(config),
      });
    } catch (err) {
      // Whatever stops the gate from reading its evidence means "cannot tell", never green.
      console.error(`tidemark gate: could not decide (exit 2): ${describe(err)}`);
      return 2;
    } finally {
      await pool.end();
    }
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else printGate(result);
    return result.exitCode;
  },
};

function printGate(r: GateResult): void {
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : formatDuration(v));
  console.log(`tidemark gate: ${SAYS[r.decision]} (exit ${r.exitCode})`);
  console.log(`bound: end-to-end lag under ${formatDuration(r.maxLagMs)} for ${formatDuration(r.windowMs)} (since ${r.windowStart})\n`);
  console.log(
    textTable([
      ['collection', 'decision', 'samples', 'over bound', 'unknown', 'p50', 'p99', 'max'],
      ...r.collections.map((c) => [
        c.collection,
        c.decision,
        String(c.samples),
        String(c.overBound),
        String(c.unknown),
        ms(c.endToEndLagMs?.p50),
        ms(c.endToEndLagMs?.p99),
        ms(c.endToEndLagMs?.max),
      ]),
    ]),
  );
  const v = r.verification;
  const verification =
    v === 'not-installed'
      ? 'not installed'
      : v === null
        ? 'none finished yet'
        : `${v.couldNotVerify ? 'could not verify' : v.clean ? 'clean' : 'differences found'}${v.differences === null ? '' : `, ${v.differences} difference(s)`}, finished ${v.finishedAt}`;
  console.log(`\nverification: ${verification}`);
  if (r.reasons.length > 0) console.log(`\nwhy not open:\n${r.reasons.map((x) => `  - ${x}`).join('\n')}`);
}
