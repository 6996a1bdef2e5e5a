import { describe, expect, it } from 'vitest';
import { stagingLines } from '../../../src/sink/apply.js';
import type { Change } from '../../../src/sink/changes.js';
import { copyChunks, copyLine } from '../../../src/sink/copy-text.js';
import { tableStatements } from '../../../src/sink/sql.js';
import { mappingFromYaml } from '../../../src/transform/index.js';

const mapping = mappingFromYaml(`
collection: notes
table: notes
key: { column: id }
legacyIdColumn: legacy_id
extra: extra
columns:
  - { column: body, path: body, type: text, nullable: true }
  - { column: n, path: n, type: int, nullable: true }
`, 'notes.yaml');

const change = (op: Change['op'], row: Change['row'], legacyId: string): Change => ({
  key: legacyId,
  legacyId,
  op,
  row,
  children: [],
  ts: (1_750_000_000n << 32n) | 7n,
  ord: 2,
  origin: { topic: 't', partition: 0, offset: '0', key: null, value: null },
});

describe('staging COPY text', () => {
  it('is the mapped columns, version, op and legacy id per change, escaped like copyLine', () => {
    const sql = tableStatements(mapping, 'public');
    const id = '00000000-0000-5000-8000-000000000001';
    const changes = [
      change('upsert', { id, body: 'tab\there\\ and\nnewline', n: '5' }, '{"$oid":"a\tb"}'),
      change('delete', { id }, '65f0c0ffee00000000000001'),
    ];
    const expected = changes.map((c) =>
      copyLine([...sql.dataColumns.map((col) => c.row[col] ?? null), c.ts.toString(), String(c.ord), c.op === 'delete' ? 'd' : 'u', c.legacyId]),
    );
    expect([...stagingLines(sql, changes)]).toEqual(expected);
    expect(expected[1]).toMatch(/\\N\t\\N\t\d+\t2\td\t65f0c0ffee00000000000001\n$/);
  });

  it('packs lines into chunks without splitting or losing any, multi-byte text included', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i}\t${i % 7 === 0 ? 'دبي €😀' : 'x'}\n`);
    const chunks = [...copyChunks(lines, 100)];
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.join(''));
    expect(chunks.every((c) => c.length <= 100 && c.toString('utf8').endsWith('\n'))).toBe(true);
    expect(chunks.length).toBeGreaterThan(50);
  });

  it('keeps a line longer than the chunk size whole, in a bigger chunk', () => {
    const long = `${'y'.repeat(500)}\n`;
    const chunks = [...copyChunks(['a\n', long, 'b\n'], 100)].map((c) => c.toString('utf8'));
    expect(chunks.join('')).toBe(`a\n${long}b\n`);
    expect(chunks[0]).toBe('a\n');
    expect(chunks[1]!.startsWith(long)).toBe(true);
  });
});
