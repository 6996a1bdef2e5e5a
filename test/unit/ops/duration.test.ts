import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/ops/duration.js';
import { ConfigError } from '../../../src/ops/errors.js';

describe('durations on the command line', () => {
  it('reads ms, s, m, h and combinations', () => {
    expect(parseDuration('500ms', '--x')).toBe(500);
    expect(parseDuration('5s', '--x')).toBe(5_000);
    expect(parseDuration('1.5s', '--x')).toBe(1_500);
    expect(parseDuration('10m', '--x')).toBe(600_000);
    expect(parseDuration('1h30m', '--x')).toBe(5_400_000);
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of ['5', '', 'five s', '5 s', '0s', '-5s']) {
      expect(() => parseDuration(bad, '--max-lag'), bad).toThrow(ConfigError);
    }
    expect(() => parseDuration('5x', '--max-lag')).toThrow(/--max-lag must be a duration/);
  });

  it('prints for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(119_700)).toBe('2 m 0 s');
    expect(formatDuration(11_400_000)).toBe('3 h 10 m');
  });
});
