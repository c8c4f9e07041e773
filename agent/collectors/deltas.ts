import { firstValueFrom, timer } from 'rxjs';

/**
 * Rates need two readings. The first collect() of a rate-based collector takes a baseline, waits this long and reads
 * again, so that its first sample is already a rate rather than an average since boot.
 */
export const BASELINE_GAP_MS = 250;

export function waitBaselineGap(): Promise<0> {
  return firstValueFrom(timer(BASELINE_GAP_MS));
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
