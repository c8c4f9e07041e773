/**
 * The viewer's formatters (viewer/format.js, the module the browser runs), against what a person reads: IEC binary
 * units (1 KiB = 1024 B) to three significant digits, percentages of a ratio to one decimal, load averages as
 * uptime(1) prints them, durations in their two largest units, and the thresholds' levels at their edges.
 */
import { formatBytes, formatClock, formatCount, formatDuration, formatLoad, formatPercent, formatRate, levelOf } from '../../viewer/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * 1024 ** 2, '10.0 MiB'],
    [99.94 * 1024 ** 3, '99.9 GiB'],
    [123.4 * 1024 ** 3, '123 GiB'],
    [1023.4 * 1024 ** 4, '1023 TiB'],
    [2 * 1024 ** 6, '2.00 EiB'],
    // Beyond the largest unit, it stays in that unit.
    [2048 * 1024 ** 6, '2048 EiB'],
    [-1536, '-1.50 KiB'],
  ])('%p bytes read %p', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([NaN, Infinity, -Infinity])('%p reads as a dash, never "NaN B"', (bytes) => expect(formatBytes(bytes)).toBe('–'));

  it('makes a rate per second of it', () => expect(formatRate(1536)).toBe('1.50 KiB/s'));
});

describe('formatPercent', () => {
  it.each([
    [0, '0.0%'],
    [0.123, '12.3%'],
    [0.9999, '100.0%'],
    [1, '100.0%'],
  ])('%p reads %p', (ratio, text) => expect(formatPercent(ratio)).toBe(text));

  it('reads NaN as a dash', () => expect(formatPercent(NaN)).toBe('–'));
});

describe('formatLoad and formatCount', () => {
  it('prints a load average with two decimals, as uptime(1)', () => {
    expect([0.5, 1, 12.345].map(formatLoad)).toEqual(['0.50', '1.00', '12.35']);
  });

  it('prints counts compactly', () => {
    expect([950, 5_200_000, 16_777_216].map(formatCount)).toEqual(['950', '5.2M', '16.8M']);
  });
});

describe('formatDuration', () => {
  const s = 1000;
  const min = 60 * s;
  const h = 60 * min;
  const d = 24 * h;
  it.each([
    [0, '0 s'],
    [999, '0 s'],
    [45 * s, '45 s'],
    [12 * min, '12 min'],
    [12 * min + 5 * s, '12 min 5 s'],
    [4 * h + 12 * min + 30 * s, '4 h 12 min'],
    // The two largest units from the first that is not zero, a zero second one left out.
    [3 * d + 4 * h + 59 * min, '3 d 4 h'],
    [3 * d + 5 * min, '3 d'],
    [-5 * s, '0 s'],
  ])('%p ms reads %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatClock', () => {
  // The separator is the locale's (":" in most, "." in some): the digits are what is checked.
  it("is this machine's local wall-clock time, 24-hour from 00 to 23, with or without seconds", () => {
    const at = new Date(2026, 0, 2, 14, 3, 7).getTime();
    expect(formatClock(at)).toMatch(/^14\D03\D07$/);
    expect(formatClock(at, false)).toMatch(/^14\D03$/);
    expect(formatClock(new Date(2026, 0, 2, 0, 0, 9).getTime())).toMatch(/^00\D00\D09$/);
  });
});

describe('levelOf', () => {
  const thresholds = { warn: 0.8, critical: 0.9 };
  it.each([
    [0, 'ok'],
    [0.7999, 'ok'],
    [0.8, 'warn'],
    [0.8999, 'warn'],
    [0.9, 'critical'],
    [1, 'critical'],
  ])('%p is %p at warn 0.8, critical 0.9 (each threshold included)', (ratio, level) => expect(levelOf(ratio, thresholds)).toBe(level));
});
