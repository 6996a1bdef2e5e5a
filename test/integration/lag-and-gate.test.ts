import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gateCommand } from '../../src/cli/gate-command.js';
import { lagCommand } from '../../src/cli/lag-command.js';
import { ConfigError } from '../../src/ops/errors.js';
import { createLogger } from '../../src/ops/logger.js';
import { startStatus, type RunningStatus } from '../../src/status/index.js';
import { eventually } from '../helpers/isolated.js';
import { recordVerification, startPaymentsReplica, type PaymentsReplica } from '../helpers/payments-replica.js';

/** Runs a CLI command in this process and captures what it prints. */
async function run(command: typeof gateCommand, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await command.run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

// Issue #6 items 4 and 5 against a live payments replica: lag by stage with
// heartbeats, samples in PostgreSQL, and the gate's three answers.
describe('lag stages and the cutover gate', () => {
  let replica: PaymentsReplica;
  let status: RunningStatus | undefined;
  let configFile: string;

  beforeAll(async () => {
    replica = await startPaymentsReplica('lagGate', { good: 20, nullAmounts: 1, overrides: (c) => ({ lag: { ...c.lag, sampleIntervalMs: 300 } }) });
    configFile = join(mkdtempSync(join(tmpdir(), 'tidemark-gate-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(replica.config));
    status = await startStatus(replica.config, createLogger({ level: 'warn' }), ['payments'], { host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await status?.stop();
    await replica?.close();
  }, 60_000);

  it('an idle collection reads near zero end to end while its newest change keeps ageing (heartbeats)', async () => {
    const newestAppliedAge = async () => {
      const { rows } = await replica.pool.query<{ ms: number }>('SELECT (extract(epoch FROM max(applied_cluster_time)) * 1000)::float8 AS ms FROM tidemark_sink_offsets');
      return Date.now() - rows[0]!.ms;
    };
    await eventually('the source streaming with a heartbeat', async () => {
      const l = status!.view()?.collections[0];
      return l?.phase === 'stream' && l.sourceLagMs !== null && l.sourceLagMs < 5_000 ? true : undefined;
    });
    // Nothing is written from here on: watch for 6 s.
    const seen: number[] = [];
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const l = status!.view()!.collections[0]!;
      expect(l).toMatchObject({ recordsBehind: 0, applyLagMs: 0, rejected: 1 });
      seen.push(l.endToEndLagMs!);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Heartbeats every 500 ms (test config); the local Mongo server answers an idle poll in 1-3 s (more when loaded).
    expect(Math.max(...seen)).toBeLessThan(8_000);
    expect(await newestAppliedAge()).toBeGreaterThan(Math.max(...seen) + 4_000);
  }, 60_000);

  it('tidemark lag --json prints every stage now and the spread over the window from the samples', async () => {
    const { code, out } = await run(lagCommand, ['--config', configFile, '--json', '--window', '1m']);
    expect(code).toBe(0);
    const [c] = JSON.parse(out).collections;
    expect(c).toMatchObject({ collection: 'payments', phase: 'stream', recordsBehind: 0, applyLagMs: 0 });
    expect(c.endToEndLagMs).toBeLessThan(5_000);
    expect(c.window.samples).toBeGreaterThan(3);
    expect(c.window.endToEndLagMs.p99).toBeGreaterThanOrEqual(c.window.endToEndLagMs.p50);

    const text = await run(lagCommand, ['--config', configFile, '--window', '1m']);
    expect(text.code).toBe(0);
    const [header, row] = text.out.split('\n');
    expect(header).toMatch(/^collection\s+source\s+source lag\s+kafka records\s+apply lag\s+end-to-end\s+end-to-end p50 \/ p99 \(1 m 0 s\)$/);
    expect(row).toMatch(/^payments\s+stream\s+\S+ m?s\s+0\s+0 ms\s+\S+ m?s\s+\S+ m?s \/ \S+ m?s$/);
  }, 60_000);

  it('gate: closed without a verification, cannot tell for a window the samples do not cover, closed on differences or over the bound, open otherwise', async () => {
    const unverified = await run(gateCommand, ['--config', configFile, '--max-lag', '30s', '--window', '3s']);
    expect(unverified.code).toBe(1);
    expect(unverified.out).toContain('verification: none has finished yet (run tidemark verify)');

    await recordVerification(replica.pool, { clean: true, differences: 0 });
    const wide = await run(gateCommand, ['--config', configFile, '--max-lag', '30s', '--window', '1h']);
    expect(wide.out).toMatch(/UNDECIDED/);
    expect(wide.out).toMatch(/payments: samples cover only the last .* of the 1 h 0 m window/);
    expect(wide.code).toBe(2);

    await recordVerification(replica.pool, { clean: false, differences: 2 });
    const dirty = await run(gateCommand, ['--config', configFile, '--max-lag', '30s', '--window', '3s']);
    expect(dirty.code).toBe(1);
    expect(dirty.out).toMatch(/found 2 difference\(s\)/);

    await recordVerification(replica.pool, { clean: true, differences: 0 });
    const open = await run(gateCommand, ['--config', configFile, '--max-lag', '30s', '--window', '3s', '--json']);
    const result = JSON.parse(open.out);
    expect(result).toMatchObject({ decision: 'open', exitCode: 0, reasons: [], maxLagMs: 30_000, windowMs: 3_000 });
    expect(open.code).toBe(0);
    expect(result.collections[0].samples).toBeGreaterThan(5);

    const tight = await run(gateCommand, ['--config', configFile, '--max-lag', '1ms', '--window', '3s']);
    expect(tight.code).toBe(1);
    expect(tight.out).toMatch(/payments: end-to-end lag reached .* over the 1 ms bound/);
  }, 60_000);

  it('gate: a stopped sampler leaves a gap, so it cannot tell; a bad duration or an unreachable PostgreSQL is exit 2', async () => {
    await status!.stop();
    status = undefined;
    await new Promise((r) => setTimeout(r, 2_500)); // longer than 3 sampling intervals
    await recordVerification(replica.pool, { clean: true, differences: 0 });
    const stale = await run(gateCommand, ['--config', configFile, '--max-lag', '30s', '--window', '1m']);
    expect(stale.code).toBe(2);
    expect(stale.out).toMatch(/payments: the newest sample is .* old \(is tidemark status running\?\)/);
    await expect(gateCommand.run(['--config', configFile, '--max-lag', 'soon'])).rejects.toThrow(/--max-lag must be a duration/);
    // An unreachable PostgreSQL is a start-up ConfigError, which the CLI exits 2 for: never green.
    const unreachable = join(mkdtempSync(join(tmpdir(), 'tidemark-gate-')), 'config.json');
    writeFileSync(unreachable, JSON.stringify({ ...replica.config, postgres: { ...replica.config.postgres, url: 'postgres://postgres@127.0.0.1:1/tidemark' } }));
    await expect(gateCommand.run(['--config', unreachable])).rejects.toThrow(ConfigError);
  }, 60_000);
});
