import type { PressureEvent } from '../events';
import type { PressureReading, PsiTotals, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, ratio } from './deltas';

/** PSI totals are in microseconds. */
const US_PER_SECOND = 1_000_000;

type Share = (before: PsiTotals, now: PsiTotals, line: 'some' | 'full') => number | undefined;

/**
 * Each resource's stall time over `seconds` as a share of it. A resource or line missing from either reading is left
 * out; totals that went backwards (they never should) count as no stall.
 */
export function pressureShares(before: PressureReading, now: PressureReading, seconds: number): Omit<PressureEvent, 'ts'> {
  const share: Share = (then, current, line) => {
    const [a, b] = [then[line], current[line]];
    return a === undefined || b === undefined ? undefined : ratio(increase(a, b) / US_PER_SECOND, seconds);
  };
  const event: Omit<PressureEvent, 'ts'> = {};
  if (!(seconds > 0)) return event;
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    const [then, current] = [before[resource], now[resource]];
    const some = then && current && share(then, current, 'some');
    if (some === undefined) continue;
    const full = share(then!, current!, 'full');
    event[resource] = full === undefined ? { some } : { some, full };
  }
  const full = before.irq && now.irq && share(before.irq, now.irq, 'full');
  if (full !== undefined) event.irq = { full };
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
