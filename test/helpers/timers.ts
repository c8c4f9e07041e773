/**
 * The repeating timers of this process, seen through async_hooks as they are created: what ticks, with no clock in
 * the test. Call `watchTimers()` at the top level of a test file (it enables the hook for the file's tests).
 */
import { createHook } from 'node:async_hooks';
import { until } from './until';

/** Node's Timeout objects keep their period in `_repeat` (null for a one-shot timer): internal, and so since Node 0.x. */
interface TimeoutResource {
  _repeat: number | null;
}

export interface TimerWatch {
  /** The timers alive now: pass to fastTimersSince to leave them out. */
  snapshot(): Set<number>;
  /**
   * Periods under 10 s of the repeating timers created since `since` that are still running. (Node's HTTP server
   * checks its request timeouts every 30 s; rxjs runs one-shot timers as intervals it clears, and Node reports a
   * cleared timer a moment later: hence noFastTimer is a condition awaited.)
   */
  fastTimersSince(since: Set<number>): number[];
  /** Periods of every repeating timer created since `since` that is still running. */
  repeatingSince(since: Set<number>): number[];
  /** Resolves once no timer created since `since` repeats more often than every 10 s. */
  noFastTimer(since: Set<number>): Promise<number[]>;
}

export function watchTimers(): TimerWatch {
  const live = new Map<number, TimeoutResource>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') live.set(asyncId, resource as TimeoutResource);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  beforeAll(() => hook.enable());
  afterAll(() => hook.disable());
  const repeatingSince = (since: Set<number>) => [...live].filter(([id, timer]) => !since.has(id) && timer._repeat !== null).map(([, timer]) => timer._repeat!);
  const fastTimersSince = (since: Set<number>) => repeatingSince(since).filter((period) => period < 10_000);
  return {
    snapshot: () => new Set(live.keys()),
    fastTimersSince,
    repeatingSince,
    noFastTimer: (since) => until('no timer repeating under 10 s', async () => fastTimersSince(since), (periods) => periods.length === 0),
  };
}
