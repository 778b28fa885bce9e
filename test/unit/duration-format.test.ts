/** formatDurationMs: the durations lag, its status reasons and produce print. Rounding never shows 60 of a unit. */
import { describe, expect, it } from 'vitest';
import { formatDurationMs } from '../../src/core/units.js';

describe('formatDurationMs', () => {
  it.each([
    ['0 ms', 0, '0ms'],
    ['under a second, whole milliseconds', 412.4, '412ms'],
    ['999.6 ms rounds up to a second, not 1000ms', 999.6, '1.0s'],
    ['under 10 s keeps a tenth', 3_840, '3.8s'],
    ['9.96 s rounds to 10s, not 10.0s', 9_960, '10s'],
    ['whole seconds under a minute', 42_300, '42s'],
    ['59.6 s rounds to 1m, not 60s', 59_600, '1m'],
    ['minutes and seconds', 125_000, '2m5s'],
    ['whole minutes drop the seconds', 300_000, '5m'],
    ['359.6 s is 6m, not 5m60s', 359_600, '6m'],
    ['119.7 s is 2m, not 1m60s', 119_700, '2m'],
    ['90.5 s rounds half up', 90_500, '1m31s'],
    ['59m59.6s is 1h, not 59m60s', 3_599_600, '1h'],
    ['hours and minutes', 5_430_000, '1h31m'],
    ['1h59m40s is 2h, not 1h60m', 7_180_000, '2h'],
    ['47h59m40s is 2d, not 47h60m', 172_780_000, '2d'],
    ['days and hours', 3 * 86_400_000 + 5 * 3_600_000, '3d5h'],
    ['2d23h50m is 3d, not 2d24h', 2 * 86_400_000 + 23 * 3_600_000 + 50 * 60_000, '3d'],
    ['infinity', Infinity, '∞'],
  ])('%s', (_name, ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});
