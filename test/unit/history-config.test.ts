/** The `history` section of the config: defaults as docs/history.md states them, and strict tiers. */
import { ConfigError, parseConfig } from '../../agent/config';

const problems = (history: unknown) => {
  try {
    parseConfig({ history }, 'test');
  } catch (err) {
    return (err as ConfigError).problems;
  }
  return [];
};

describe('history config', () => {
  it('defaults: on, a sample every 15 s, written every 5 minutes, 2000 series, 1s/15m 10s/3h 1m/24h 15m/30d', () => {
    expect(parseConfig({}, 'test').history).toEqual({
      enabled: true,
      sampleInterval: 15_000,
      writeInterval: 5 * 60_000,
      maxSeries: 2000,
      tiers: [
        { step: 1000, keep: 15 * 60_000 },
        { step: 10_000, keep: 3 * 3_600_000 },
        { step: 60_000, keep: 24 * 3_600_000 },
        { step: 15 * 60_000, keep: 30 * 24 * 3_600_000 },
      ],
    });
  });

  it('refuses tiers out of order, a keep shorter than its step, none at all, unknown keys', () => {
    expect(problems({ tiers: [{ step: '1m', keep: '1h' }, { step: '10s', keep: '2h' }] })).toEqual([
      expect.stringMatching(/^test: history\.tiers\.1: expected a longer step and a longer keep than the tier before/),
    ]);
    expect(problems({ tiers: [{ step: '1m', keep: '10s' }] })).toEqual([expect.stringMatching(/^test: history\.tiers\.0\.keep: expected at least the step/)]);
    expect(problems({ tiers: [{ step: '1ms', keep: '8760h' }] })).toEqual([expect.stringMatching(/history\.tiers\.0\.keep: expected at most 1000000 steps/)]);
    expect(problems({ tiers: [] })).toEqual([expect.stringMatching(/history\.tiers: expected at least one tier/)]);
    expect(problems({ tier: [] })).toEqual(['test: history.tier: unknown key']);
    expect(problems({ maxSeries: 0 })).toEqual([expect.stringMatching(/history\.maxSeries: expected a positive whole number of series/)]);
  });
});
