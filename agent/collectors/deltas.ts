/**
 * Rates need two readings. A previous reading older than this is no base for a rate: after an hour nobody watched,
 * a "live" figure averaged over that hour would mislead; the read becomes a baseline instead. Two minutes cover a
 * Prometheus scraping every 15, 30 or 60 s, whose scrapes then keep the feed's figures current while nobody watches.
 */
const MAX_RATE_WINDOW_MS = 120_000;

/** Whether a reading taken at `previousAt` is a base for a rate at `at` (both on one monotonic clock, in ms). */
export function isRateBase(previousAt: number, at: number): boolean {
  return at - previousAt <= MAX_RATE_WINDOW_MS;
}

/** Increase of a counter between two readings; 0 when it went backwards (a reset or a kernel glitch). */
export function increase(previous: number, current: number): number {
  return current >= previous ? current - previous : 0;
}

/**
 * A share of a total, within 0..1, to 4 decimals: finer than any display shows, and a third of the bytes of
 * full float noise (0.016666666666650842) in every event sent to every client.
 */
export function ratio(part: number, total: number): number {
  if (!(total > 0)) return 0;
  return roundTo(Math.min(1, Math.max(0, part / total)), 4);
}

/** A rate per second to 3 decimals, for the same reason. */
export function perSecond(increase: number, seconds: number): number {
  return roundTo(increase / seconds, 3);
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
