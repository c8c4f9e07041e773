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

/** A share of a total, kept within 0..1 against rounding. */
export function ratio(part: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(1, Math.max(0, part / total));
}
