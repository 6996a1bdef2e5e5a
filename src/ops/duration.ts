import { ConfigError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** '500ms', '5s', '10m', '1h30m' → milliseconds; anything else is a usage error naming the option. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  const whole = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
  if (!whole.test(trimmed)) {
    throw new ConfigError([`${option} must be a duration such as 500ms, 5s, 10m or 1h30m, got '${text}'`], 'command line');
  }
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  if (ms <= 0) throw new ConfigError([`${option} must be longer than zero, got '${text}'`], 'command line');
  return Math.round(ms);
}

/** Milliseconds for people: 850 ms, 4.2 s, 12 m 5 s, 3 h 10 m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
}
