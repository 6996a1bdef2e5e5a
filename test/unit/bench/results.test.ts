import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmt, latestRecord, renderMarkdown, renderRatioSvg, writeResults, type RunRecord } from '../../../bench/lib/results.js';
import { medianFigures } from '../../../bench/lib/runner.js';
import { copySeconds } from '../../../bench/sink/psql-copy.js';
import { parseStat, roleOf } from '../../../bench/lib/cpu.js';
import { parseArgs } from '../../../bench/lib/args.js';
import { memoryFigures } from '../../../bench/sink/memory-probe.js';

const record = (date: string): RunRecord => ({
  date,
  commit: '0123456789abcdef',
  dirty: false,
  machine: { cores: 2, memoryGiB: 24, cpuModel: 'Test CPU', kernel: '6.1' },
  versions: { node: 'v20.19.0', postgresql: '15.20' },
  settings: { quick: true, pairs: 5 },
  probes: [
    {
      kind: 'paired',
      id: 'sink-copy',
      stage: 'sink',
      ratio: 'sink COPY ÷ psql',
      a: 'psql',
      b: 'sink',
      target: 0.9,
      rateA: { median: 30000, min: 28000, max: 31000 },
      rateB: { median: 24000, min: 23000, max: 25000 },
      ratioOfMedians: 0.8,
      holds: false,
      cpuA: { postgres: 30 },
      cpuB: { postgres: 35, node: 20 },
      cpuBoundRateB: 36363,
      runsA: [],
      runsB: [],
    },
    { kind: 'paired', id: 'sink-total', stage: 'sink', ratio: 'total', a: 'sql', b: 'sink', target: 0.8, runsA: [], runsB: [], error: 'Error: broker down' },
    { kind: 'figure', id: 'sink-memory', stage: 'sink', what: 'RSS', runs: [{ rss_peak_mb: 200 }], figures: { rss_peak_mb: 200, growth: 1.01 }, target: 'RSS ≤ 768 MB', holds: true },
  ],
});

describe('bench results', () => {
  it('renders machine, versions, date, a table per stage with target and verdict, the chart link and the Mongo caveat', () => {
    const md = renderMarkdown(record('2026-11-28T00:00:00.000Z'));
    expect(md).toContain('2026-11-28T00:00:00.000Z');
    expect(md).toContain('2 cores (Test CPU), 24 GiB');
    expect(md).toContain('postgresql 15.20');
    expect(md).toContain('## sink');
    expect(md).toMatch(/\| sink-copy \| .* \| 30,000 \(28,000–31,000\) \| 24,000 \(23,000–25,000\) \| 0\.80× \| ≥ 0\.9 \| \*\*no\*\* \|/);
    expect(md).toMatch(/\| sink-total \|.*\*\*failed\*\*/);
    expect(md).toContain('broker down');
    expect(md).toMatch(/\| sink-memory \| RSS \| rss_peak_mb 200, growth 1\.01 \| RSS ≤ 768 MB \| yes \|/);
    expect(md).toContain('results/ratios.svg');
    expect(md).toMatch(/mongo-java-server.*oplog/);
  });

  it('names a missed target that B\'s CPU per event rules out, and not one whose CPU covers more than the timed phase', () => {
    const base = record('2026-11-28T00:00:00.000Z');
    const copy = base.probes[0]!;
    if (copy.kind !== 'paired') throw new Error('fixture');
    // 36,363/s if CPU-bound ÷ 30,000/s of A = 1.21×: the 0.9 target is not ruled out by CPU.
    expect(renderMarkdown(base)).not.toContain('CPU alone rules out');
    const tight = { ...copy, id: 'sink-tight', rateB: { median: 18000, min: 17000, max: 19000 }, cpuB: { node: 60, postgres: 40 }, cpuBoundRateB: 20000 };
    const md = renderMarkdown({ ...base, probes: [tight] });
    expect(md).toContain("- **sink-tight**: at most 0.67× of the 0.9× target; B spends 100 CPU-µs per event (node 60.0, postgres 40.0).");
    // A phase probe: the CPU-bound rate (whole run's CPU) is below the rate B reached in its phase.
    const phase = { ...tight, id: 'sink-phase', cpuBoundRateB: 20000, rateB: { median: 24000, min: 23000, max: 25000 } };
    expect(renderMarkdown({ ...base, probes: [{ ...phase, cpuBoundRateB: 19000 }] })).not.toContain('sink-phase**: at most');
  });

  it('draws one bar per measured ratio with its target tick', () => {
    const svg = renderRatioSvg(record('2026-11-28T00:00:00.000Z'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('sink-copy');
    expect(svg).not.toContain('>sink-total<'); // failed: no ratio to draw
    expect(svg.match(/<rect /g)).toHaveLength(1);
    expect(svg.match(/stroke="#000"/g)).toHaveLength(1);
  });

  it('appends one line per run and renders the latest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const paths = { jsonl: join(dir, 'r.jsonl'), markdown: join(dir, 'R.md'), svg: join(dir, 'r.svg') };
    writeResults(record('2026-01-01T00:00:00.000Z'), paths);
    writeResults(record('2026-02-02T00:00:00.000Z'), paths);
    expect(readFileSync(paths.jsonl, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(latestRecord(paths.jsonl).date).toBe('2026-02-02T00:00:00.000Z');
    expect(readFileSync(paths.markdown, 'utf8')).toContain('2026-02-02');
    // A run of a few probes (--only) is recorded but does not replace the page.
    writeResults({ ...record('2026-03-03T00:00:00.000Z'), settings: { only: ['sink-copy'] } }, paths);
    expect(readFileSync(paths.jsonl, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(latestRecord(paths.jsonl).date).toBe('2026-02-02T00:00:00.000Z');
  });

  it('formats figures for tables', () => {
    expect(fmt(12345.6)).toBe('12,346');
    expect(fmt(12.34)).toBe('12.3');
    expect(fmt(0.8)).toBe('0.80');
    expect(fmt(undefined)).toBe('–');
    expect(fmt(NaN)).toBe('–');
  });

  it('takes the median of each figure over runs', () => {
    expect(medianFigures([{ a: 1, b: 5 }, { a: 3 }, { a: 2, b: 7 }])).toEqual({ a: 2, b: 6 });
  });

  it('reads the COPY times psql reports, not those of other commands', () => {
    const out = ['CREATE TABLE', 'Timing is on.', 'BEGIN', 'Time: 0.100 ms', 'TRUNCATE TABLE', 'Time: 1.000 ms', 'COPY 5000', 'Time: 150.500 ms', 'COMMIT', 'Time: 2.000 ms', 'COPY 10', 'Time: 0.500 ms'].join('\n');
    expect(copySeconds(out)).toEqual({ seconds: 0.151, copies: 2, rows: 5010 });
  });

  it('tells process roles apart by command line and reads CPU ticks from /proc/<pid>/stat', () => {
    expect(roleOf('java', 'java -cp kafka.jar kafka.Kafka server.properties', 10, 1)).toBe('kafka');
    expect(roleOf('java', 'java -Dquarkus.http.port=8081 -jar apicurio.jar', 11, 1)).toBe('registry');
    expect(roleOf('java', 'java -cp mongo-java-server-1.47.0/* MongoServerLauncher.java', 12, 1)).toBe('mongo');
    expect(roleOf('postgres', 'postgres: 15/main: postgres tidemark 127.0.0.1(5000) idle', 13, 1)).toBe('postgres');
    expect(roleOf('node', 'node run.js', 1, 1)).toBe('node');
    expect(roleOf('psql', 'psql -X', 14, 1, 1)).toBe('node-children');
    const cli = (service: string) => `node --input-type=module -e import("/x/main.js").then((m) => m.main(["${service}","--config","/tmp/c.json"]))`;
    expect(roleOf('node', cli('source'), 16, 1, 1)).toBe('node-source');
    expect(roleOf('node', cli('sink'), 17, 1, 1)).toBe('node-sink');
    expect(roleOf('bash', 'bash', 15, 1, 99)).toBeUndefined();
    const stat = '2198 (postgres) S 1 2198 2198 0 -1 4194304 4105 76374 0 53 120 40 717 332 20 0 1 0';
    expect(parseStat(stat)).toEqual({ comm: 'postgres', ppid: 1, ticks: 160, reapedTicks: 1049 });
    expect(parseStat('7 (a (b) c) R 3 7 7 0 -1 0 0 0 0 0 5 6 7 8 20 0 1 0').comm).toBe('a (b) c');
  });

  it('parses the command line and refuses fewer than 5 pairs or unknown probes stages', () => {
    const o = parseArgs(['--quick', '--only', 'sink-copy, sink-merge', '--pairs', '6'], ['sink', 'pipeline']);
    expect(o.quick).toBe(true);
    expect([...o.only!]).toEqual(['sink-copy', 'sink-merge']);
    expect(o.pairs).toBe(6);
    expect(() => parseArgs(['--pairs', '3'], ['sink'])).toThrow(/≥ 5/);
    expect(() => parseArgs(['--stage', 'nope'], ['sink'])).toThrow(/unknown stage/);
    expect(() => parseArgs(['--fast'], ['sink'])).toThrow(/unknown argument/);
  });

  it('judges memory growth from the first and second half of the samples', () => {
    expect(memoryFigures([100, 120, 110, 130, 125, 128])).toEqual({ rss_peak_mb: 130, rss_first_half_peak_mb: 120, rss_second_half_peak_mb: 130, growth: 130 / 120 });
    expect(() => memoryFigures([1, 2])).toThrow(/too few/);
  });
});
