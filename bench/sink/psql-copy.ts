// The COPY ceiling: psql's \copy of the sink's exact COPY text into the same staging
// table, timed by psql itself (\timing) so process start-up is left out.
import { spawn } from 'node:child_process';
import type { SinkBed } from './bed.js';

/** The psql script: per batch a transaction that empties staging and \copy-s one file, as the sink does. */
export function psqlCopyScript(sb: SinkBed, files: readonly string[]): string {
  const into = sb.sql.copy.replace(/^COPY /, '\\copy ').replace(/ FROM STDIN$/, '');
  const lines = ['\\set ON_ERROR_STOP 1', sb.sql.createStaging + ';', '\\timing on'];
  for (const f of files) lines.push('BEGIN;', `DELETE FROM ${sb.sql.staging};`, `${into} FROM '${f.replace(/'/g, "''")}'`, 'COMMIT;');
  return lines.join('\n') + '\n';
}

/** Sum of the times psql reports for its COPY commands (each "COPY n" line is followed by its "Time:"). */
export function copySeconds(output: string): { seconds: number; copies: number; rows: number } {
  let seconds = 0;
  let copies = 0;
  let rows = 0;
  let afterCopy = false;
  for (const line of output.split('\n')) {
    const copy = line.match(/^COPY (\d+)/);
    if (copy) {
      afterCopy = true;
      rows += Number(copy[1]);
      continue;
    }
    const time = line.match(/^Time: ([\d.]+) ms/);
    if (time && afterCopy) {
      seconds += Number(time[1]) / 1000;
      copies++;
    }
    afterCopy = false;
  }
  return { seconds, copies, rows };
}

export async function psqlCopy(sb: SinkBed, pgUrl: string, files: readonly string[]): Promise<{ seconds: number; rows: number }> {
  const child = spawn('psql', ['-X', '-d', pgUrl], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PGAPPNAME: 'bench-psql-copy' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(psqlCopyScript(sb, files));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`psql exited ${code}: ${err.trim()}`);
  const r = copySeconds(out);
  if (r.copies !== files.length) throw new Error(`psql reported ${r.copies} timed COPYs for ${files.length} files`);
  return r;
}
