// COPY ... FROM STDIN text format: tab-separated, \N for NULL, and backslash,
// newline, carriage return and tab escaped.
// https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2
const SPECIAL = /[\\\n\r\t]/g;
const HAS_SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') throw new TypeError(`COPY field must be text or null, got ${typeof value}`);
  // Most values need no escape: skip the replace (and its new string) for them.
  return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (c) => ESCAPES[c]!) : value;
}

export function copyLine(values: (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyField(values[i]!);
  return line + '\n';
}

/**
 * Packs lines into Buffers of at most about `size` bytes: each chunk written to the COPY
 * stream is one CopyData message, so one per row would cost a message and a stream
 * write per row. Each line is written straight into the Buffer: joining lines into one
 * big string first leaves V8 a rope of thousands of pieces to flatten and encode again,
 * which cost ~4x more than building the lines (18 against 4 µs a medium payment).
 */
export function* copyChunks(lines: Iterable<string>, size = 64 * 1024): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(size);
  let used = 0;
  for (const line of lines) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (used + line.length * 3 > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      // A new Buffer each time: the stream may still hold the one just yielded.
      chunk = Buffer.allocUnsafe(Math.max(size, line.length * 3));
      used = 0;
    }
    used += chunk.write(line, used);
  }
  if (used > 0) yield chunk.subarray(0, used);
}
