/** The `history` section of the config (agent/config.ts): tiers, bounds, and when it is filled and written. */
import { z } from 'zod';
import { durationSchema } from '../duration';

/** A tier of more steps than this is a mistake (a 1 s step kept for a year would be 31 M slots per series). */
const MAX_SLOTS_PER_TIER = 1_000_000;

/** As Netdata's tiers, coarser ones kept longer: a 15 m zoom per second, a day per minute, a month per quarter hour. */
export const DEFAULT_TIERS = [
  { step: '1s', keep: '15m' },
  { step: '10s', keep: '3h' },
  { step: '1m', keep: '24h' },
  { step: '15m', keep: '720h' },
];

const tierSchema = z.strictObject({ step: durationSchema('24h'), keep: durationSchema('8760h') });

export const historyConfigSchema = z
  .strictObject({
    enabled: z.boolean({ error: 'expected true or false' }).default(true),
    /** Default: $STATE_DIRECTORY/history.bin under systemd (StateDirectory=), else ./.hostfeed/history.bin. */
    file: z.string({ error: 'expected a file path' }).min(1).optional(),
    /**
     * A topic with no sample for this long (nobody asked) is read: at Prometheus' usual scrape interval, the scrapes'
     * samples are the history's and the recorder reads nothing more (recorder.ts).
     */
    sampleInterval: durationSchema('1h').prefault('15s'),
    /**
     * The file is written at most this often (on a sample: no timer of its own), and at stop: a crash loses at
     * most this much. Each write costs some ms of CPU for the whole file, so not every minute.
     */
    writeInterval: durationSchema('24h').prefault('5m'),
    /** Series kept in all; beyond it new ones are dropped (hostfeed_history_dropped_series_total). */
    maxSeries: z.number({ error: 'expected a positive whole number of series' }).int().positive().default(2000),
    /** Finest first; each sample goes into every tier. */
    tiers: z
      .array(tierSchema)
      .min(1, { error: 'expected at least one tier' })
      .max(8, { error: 'expected at most 8 tiers' })
      .prefault(DEFAULT_TIERS)
      .superRefine((tiers, ctx) => {
        tiers.forEach(({ step, keep }, i) => {
          const previous = tiers[i - 1];
          if (keep < step) ctx.addIssue({ code: 'custom', path: [i, 'keep'], message: 'expected at least the step', input: keep });
          else if (keep / step > MAX_SLOTS_PER_TIER) ctx.addIssue({ code: 'custom', path: [i, 'keep'], message: `expected at most ${MAX_SLOTS_PER_TIER} steps`, input: keep });
          if (previous && (step <= previous.step || keep <= previous.keep)) {
            ctx.addIssue({ code: 'custom', path: [i], message: 'expected a longer step and a longer keep than the tier before', input: { step, keep } });
          }
        });
      }),
  })
  .prefault({});

export type HistoryConfig = z.output<typeof historyConfigSchema>;
