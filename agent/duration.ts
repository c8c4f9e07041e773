/** Durations as the config writes them: "500ms", "1s", "1.5m", "1h", or a whole number of milliseconds. */
import { z } from 'zod';

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

const EXPECTED = 'expected a positive duration like "1s", "500ms" or a number of milliseconds';

/**
 * A duration key of the config, in milliseconds once parsed, at most `max` (written as a duration). Every key has a
 * bound: Node runs a timer of 2^31 ms or more after 1 ms, so an unbounded "600h" would fire every millisecond.
 */
export function durationSchema(max: string) {
  const maxMs = parseDuration(max)!;
  const tooLong = `expected a duration of at most ${max}`;
  return z
    .union(
      [
        z.string().regex(DURATION, { error: EXPECTED }),
        // The bound on numbers shows in the JSON Schema, for editors; strings are bounded once parsed.
        z.number().int({ error: EXPECTED }).positive({ error: EXPECTED }).max(maxMs, { error: tooLong }),
      ],
      { error: EXPECTED },
    )
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: ms === undefined ? EXPECTED : tooLong, input: value });
        return z.NEVER;
      }
      return ms;
    });
}
