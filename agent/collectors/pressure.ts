import type { PressureEvent } from '../events';
import type { PressureReading, PsiTotals, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, ratio } from './deltas';

/** PSI totals are in microseconds. */
const US_PER_SECOND = 1_000_000;

/** A line's stall time over `seconds` as a share of it; undefined where either reading lacks the line. */
function share(before: PsiTotals | undefined, now: PsiTotals | undefined, line: keyof PsiTotals, seconds: number): number | undefined {
  const [a, b] = [before?.[line], now?.[line]];
  // Totals that went backwards (they never should) count as no stall.
  return a === undefined || b === undefined ? undefined : ratio(increase(a, b) / US_PER_SECOND, seconds);
}

/** Each resource's some and full shares of the interval; a resource (or line) missing from either reading is left out. */
export function pressureShares(before: PressureReading, now: PressureReading, seconds: number): Omit<PressureEvent, 'ts'> {
  const event: Omit<PressureEvent, 'ts'> = {};
  if (!(seconds > 0)) return event;
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    const some = share(before[resource], now[resource], 'some', seconds);
    const full = share(before[resource], now[resource], 'full', seconds);
    if (some !== undefined) event[resource] = full === undefined ? { some } : { some, full };
  }
  // irq has a full line only.
  const irq = share(before.irq, now.irq, 'full', seconds);
  if (irq !== undefined) event.irq = { full: irq };
  return event;
}

/** `monotonicMs` times the interval of the shares (performance.now(): wall-clock steps do not bend them). */
export function createPressureCollector(
  source: Source,
  now: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): Collector<'pressure'> {
  let previous: { at: number; reading: PressureReading } | undefined;

  return {
    topic: 'pressure',
    async collect() {
      const raw = await source.pressure();
      const at = monotonicMs();
      const base = previous && isRateBase(previous.at, at) ? previous : undefined;
      previous = { at, reading: raw };
      if (!base) return { topic: 'pressure', raw };
      return { topic: 'pressure', data: { ts: now(), ...pressureShares(base.reading, raw, (at - base.at) / 1000) }, raw };
    },
  };
}
