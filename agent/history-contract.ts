/**
 * The wire contract of GET /api/history (docs/history.md): the zod schema its answers are checked against in tests,
 * served as JSON Schema by /api/schema. Columnar: one `ts` array, and per series one array of values and one of maxes,
 * each as long as `ts`, null where the step has no sample.
 */
import { z } from 'zod';

const ms = z.number().int().nonnegative();
const points = z.array(z.number().nullable());

export const historySeriesSchema = z.strictObject({
  value: points.describe("Each step's mean (ratios and rates: names ending in Ratio or PerSecond, usage, modes.*) or last value (gauges)"),
  max: points.describe("Each step's highest sample"),
});
export type HistorySeries = z.infer<typeof historySeriesSchema>;

export const restartSchema = z
  .strictObject({ downFrom: ms.describe('The last sample before the agent stopped'), upAt: ms.describe('When it started again') })
  .describe('A time the agent was down: no sample between the two');
export type HistoryRestart = z.infer<typeof restartSchema>;

export const historyAnswerSchema = z
  .strictObject({
    from: ms,
    to: ms,
    stepMs: z.number().int().positive().describe('The step of the answer: a multiple of tierStepMs'),
    tierStepMs: z.number().int().positive().describe('The step of the tier the answer was read from'),
    ts: z.array(ms).describe('Start of each step, ms since the Unix epoch'),
    series: z
      .record(z.string(), z.record(z.string(), historySeriesSchema))
      .describe('By topic, then by series path (usage, modes.user, cores[0].usage, filesystems[/].usedRatio); a series with no sample in the range is absent'),
    restarts: z.array(restartSchema).describe('Restarts of the agent within the range'),
  })
  .describe('GET /api/history');
export type HistoryAnswer = z.infer<typeof historyAnswerSchema>;
