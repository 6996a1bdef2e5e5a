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
 * Joins lines into chunks of about `size` characters: each chunk written to the COPY
 * stream is one CopyData message, so one per row would cost a message and a stream
 * write per row.
 */
export function* copyChunks(lines: Iterable<string>, size = 64 * 1024): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
