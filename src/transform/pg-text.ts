// What PostgreSQL refuses in text and jsonb input. Catching it here turns one bad
// document into a rejected record with a reason, instead of a COPY error that
// fails the whole batch.
//   - text cannot contain NUL (U+0000) at all;
//   - a lone UTF-16 surrogate would be re-encoded as U+FFFD by Node (silent change);
//   - jsonb refuses the escapes \u0000 and unpaired \ud800-\udfff
//     (https://www.postgresql.org/docs/current/datatype-json.html).

import { EJSON } from 'bson';
import { RejectedRecord } from '../ops/errors.js';
import { describeValue } from './bson-values.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// An escape preceded by an even number of backslashes (so not itself escaped).
const JSON_BAD_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** A string as text input, refusing what PostgreSQL cannot store unchanged. */
export function toPgText(value: unknown, where: string): string {
  if (typeof value !== 'string') {
    throw new RejectedRecord(`${where}: expected a string, got ${describeValue(value)}`, { where });
  }
  if (value.includes('\u0000')) {
    throw new RejectedRecord(`${where}: string contains a NUL character, which PostgreSQL text cannot store`, { where });
  }
  if (LONE_SURROGATE.test(value)) {
    throw new RejectedRecord(`${where}: string contains an unpaired UTF-16 surrogate (not valid Unicode)`, { where });
  }
  return value;
}

/** Whether jsonb input takes this JSON text (no \u0000, no unpaired surrogate escapes). */
export function jsonbAccepts(text: string): boolean {
  return !text.includes('\\u') || !JSON_BAD_ESCAPE.test(text); // every bad escape is a \u
}

/** Canonical Extended JSON (types kept: $numberDecimal, $date, $oid, ...) as jsonb input. */
export function toJsonbText(value: unknown, where: string): string {
  let text: string | undefined;
  try {
    text = EJSON.stringify(value, { relaxed: false }) as string | undefined;
  } catch (err) {
    throw new RejectedRecord(`${where}: cannot be written as Extended JSON: ${(err as Error).message}`, { where });
  }
  if (typeof text !== 'string') {
    throw new RejectedRecord(`${where}: ${describeValue(value)} cannot be written as Extended JSON`, { where });
  }
  if (JSON_BAD_ESCAPE.test(text)) {
    throw new RejectedRecord(
      `${where}: contains a NUL character or unpaired surrogate, which PostgreSQL jsonb refuses`,
      { where },
    );
  }
  return text;
}
