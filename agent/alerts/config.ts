/**
 * The `alerts` section of agent.config.json: the node-mixin's rules with its thresholds and `for` durations as
 * defaults (see ./mixin.ts), and custom threshold rules over any numeric event field. Thresholds that the mixin
 * writes in percent are ratios here (0.9 for its 90), as every ratio of hostfeed; an alert's value stays the mixin's.
 */
import { z } from 'zod';
import { durationSchema } from '../duration';
import { topicSchema } from '../events';
import { numericField } from './fields';

const bool = z.boolean({ error: 'expected true or false' });
const ratio = z.number({ error: 'expected a ratio from 0 to 1' }).min(0, { error: 'expected a ratio from 0 to 1' }).max(1, { error: 'expected a ratio from 0 to 1' });
const nonNegative = z.number({ error: 'expected a number, 0 or more' }).min(0, { error: 'expected a number, 0 or more' });

/** Prometheus' `for`: 0 (fire at the first match) or a duration, at most a day. */
const forDuration = z
  .union([z.literal([0, '0', '0s']), durationSchema('24h')], { error: 'expected 0 or a duration like "15m" of at most 24h' })
  .transform((value) => (typeof value === 'number' ? value : 0));
/** The range of a rate() or of a predict_linear(): the window the engine keeps. */
const range = durationSchema('24h');
/** How far ahead predict_linear() looks. */
const horizon = durationSchema('168h');

/** A rule over one figure: its threshold and `for`. */
const aboveRule = <T extends z.ZodType>(threshold: T, forDefault: string) => ({ enabled: bool.default(true), above: threshold, for: forDuration.prefault(forDefault) });

/** A rule the mixin writes twice, warning and critical, each with its own threshold (and horizon). */
const below = (threshold: number) => z.strictObject({ enabled: bool.default(true), below: ratio.default(threshold) }).prefault({});
const belowWithin = (threshold: number, within: string) =>
  z.strictObject({ enabled: bool.default(true), below: ratio.default(threshold), within: horizon.prefault(within) }).prefault({});

const fillingUp = () =>
  z
    .strictObject({
      enabled: bool.default(true),
      for: forDuration.prefault('1h'),
      range: range.prefault('6h'),
      warning: belowWithin(0.4, '24h'),
      critical: belowWithin(0.2, '4h'),
    })
    .prefault({});
const almostOut = (forDefault: string) =>
  z.strictObject({ enabled: bool.default(true), for: forDuration.prefault(forDefault), warning: below(0.05), critical: below(0.03) }).prefault({});
const errorsRule = () => z.strictObject({ ...aboveRule(ratio.default(0.01), '1h'), range: range.prefault('2m') }).prefault({});

const rulesShape = z.strictObject({
  NodeFilesystemSpaceFillingUp: fillingUp(),
  NodeFilesystemAlmostOutOfSpace: almostOut('30m'),
  NodeFilesystemFilesFillingUp: fillingUp(),
  NodeFilesystemAlmostOutOfFiles: almostOut('1h'),
  NodeNetworkReceiveErrs: errorsRule(),
  NodeNetworkTransmitErrs: errorsRule(),
  NodeCPUHighUsage: z.strictObject({ ...aboveRule(ratio.default(0.9), '15m'), range: range.prefault('2m') }).prefault({}),
  NodeSystemSaturation: z.strictObject(aboveRule(nonNegative.default(2), '15m')).prefault({}),
  NodeMemoryHighUtilization: z.strictObject(aboveRule(ratio.default(0.9), '15m')).prefault({}),
  NodeDiskIOSaturation: z.strictObject({ ...aboveRule(nonNegative.default(10), '30m'), range: range.prefault('5m') }).prefault({}),
});
export const alertRulesSchema = rulesShape.prefault({});

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** An alert name as Prometheus takes a label value of alertname, kept to what reads well in a URL and a metric. */
const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const customRule = z
  .strictObject({
    topic: topicSchema,
    /** A numeric field of the topic's event, dotted; through an array, one alert per element: "filesystems.usedRatio". */
    field: z.string().min(1),
    above: z.number().optional(),
    below: z.number().optional(),
    for: forDuration.prefault('0'),
    severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).default('warning'),
  })
  .superRefine((rule, ctx) => {
    if ((rule.above === undefined) === (rule.below === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of above and below', input: rule });
    if (!numericField(rule.topic, rule.field)) {
      ctx.addIssue({ code: 'custom', path: ['field'], message: `expected a numeric field of the ${rule.topic} event, e.g. "usedRatio" or "filesystems.usedRatio"`, input: rule.field });
    }
  });

export const alertsConfigSchema = z
  .strictObject({
    /** Off: no rule is evaluated, no `alert` topic, /api/alerts answers an empty list. */
    enabled: bool.default(true),
    /** Labels every alert carries, e.g. {"instance": "web-1:9780", "job": "node"} to read as Prometheus' would; instance defaults to the host name. */
    labels: z.record(z.string().regex(ALERT_NAME), z.string(), { error: 'expected an object of string labels' }).default({}),
    rules: alertRulesSchema,
    custom: z
      .record(z.string().regex(ALERT_NAME, { error: 'expected an alert name of letters, digits and _' }), customRule)
      .default({})
      .superRefine((custom, ctx) => {
        for (const name of Object.keys(custom)) {
          if (name in rulesShape.shape) ctx.addIssue({ code: 'custom', path: [name], message: 'is a node-mixin rule: configure it under alerts.rules', input: name });
        }
      }),
  })
  .prefault({});

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type AlertRulesConfig = AlertsConfig['rules'];
export type CustomRuleConfig = AlertsConfig['custom'][string];
export type Severity = (typeof SEVERITIES)[number];
