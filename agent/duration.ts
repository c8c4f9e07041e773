/** Durations as the config writes them: "500ms", "1s", "1.5m", "1h", or a whole number of milliseconds. */
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration, or undefined when it is not one (negative, zero, wordy, fractional ms). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return Number.isInteger(ms) && ms > 0 ? ms : undefined;
}
