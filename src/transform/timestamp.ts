// timestamptz text. Output is always UTC ISO-8601 with milliseconds
// ("2024-01-02T03:04:05.678Z"), plus microseconds when an ISO string carried them,
// because PostgreSQL keeps microseconds and anything finer would be rounded.
// Years are limited to 0001..9999: JS prints others as "+010000-..." which
// PostgreSQL does not parse, and such dates in Amanat data are bugs to surface.

import { RejectedRecord } from '../ops/errors.js';
import { describeValue, ejsonWrapped } from './bson-values.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** A Date (or lean `{ $date }`, or ISO-8601 string with a zone) as timestamptz input text. */
export function toTimestamptz(value: unknown, where: string): string {
  if (value instanceof Date) return fromMillis(value.getTime(), where, () => describeValue(value));
  if (typeof value === 'string') return fromIso(value, where);
  const wrapped = ejsonWrapped(value, '$date');
  if (wrapped !== undefined) {
    if (typeof wrapped === 'string') return fromIso(wrapped, where);
    if (typeof wrapped === 'number') return fromMillis(wrapped, where, () => describeValue(value));
    const ms = ejsonWrapped(wrapped, '$numberLong');
    if (typeof ms === 'string' && /^-?\d+$/.test(ms)) return fromMillis(Number(ms), where, () => describeValue(value));
  }
  // Epoch numbers are refused: seconds or milliseconds cannot be told apart.
  throw new RejectedRecord(`${where}: ${describeValue(value)} is not a date`, { where });
}

/** `shown` describes the value for a rejection; built only then (every date goes through here). */
function fromMillis(ms: number, where: string, shown: () => string): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    throw new RejectedRecord(`${where}: ${shown()} is not a valid date`, { where });
  }
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new RejectedRecord(`${where}: ${shown()} has year ${year}, outside 0001..9999`, { where });
  }
  return date.toISOString();
}

function fromIso(text: string, where: string): string {
  const m = ISO.exec(text);
  const bad = (why: string): RejectedRecord =>
    new RejectedRecord(`${where}: ${JSON.stringify(text)} ${why}`, { where });
  if (m === null) throw bad('is not an ISO-8601 timestamp with a time zone');
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? '0')) as [
    number, number, number, number, number, number,
  ];
  const fraction = m[7] ?? '';
  if (fraction.length > 6) throw bad('is finer than microseconds; PostgreSQL would round it');
  // Date.parse would quietly roll "2024-02-30" into March, so check each field.
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)
    || hour > 23 || minute > 59 || second > 59) {
    throw bad('is not a real calendar time');
  }
  const offsetHours = Number(m[10] ?? '0');
  const offsetMinutes = Number(m[11] ?? '0');
  if (offsetHours > 15 || offsetMinutes > 59) throw bad('has an impossible UTC offset');
  const micros = Number(fraction.padEnd(6, '0'));
  const local = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, Math.floor(micros / 1000)));
  local.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0..99 to 1900..1999
  const sign = m[9] === '-' ? -1 : 1;
  const utc = local.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  const iso = fromMillis(utc, where, () => JSON.stringify(text));
  const subMillis = micros % 1000;
  return subMillis === 0 ? iso : `${iso.slice(0, -1)}${String(subMillis).padStart(3, '0')}Z`;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
