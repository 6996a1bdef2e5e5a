// COPY ... FROM STDIN text format: tab-separated, \N for NULL, and backslash,
// newline, carriage return and tab escaped.
// https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2
const SPECIAL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(SPECIAL, (c) => ESCAPES[c]!);
}

export function copyLine(values: (string | null)[]): string {
  return values.map(copyField).join('\t') + '\n';
}
