/** alerts.custom: a threshold over one numeric field of a topic's event, one alert per element of an array on the way. */
import type { CustomRuleConfig } from './config';
import { valuesAt } from './fields';
import type { Rule } from './types';

export function customRule(name: string, config: CustomRuleConfig): Rule {
  const { topic, field, above, below, severity } = config;
  const matches = above !== undefined ? (value: number) => value > above : (value: number) => value < below!;
  const condition = above !== undefined ? `above ${above}` : `below ${below}`;
  return {
    name,
    severity,
    forMs: config.for,
    topic,
    summary: `${topic} ${field} is ${condition}.`,
    description: `${topic} ${field} at {{ $labels.instance }} is {{ $value }}, ${condition}.`,
    evaluate: (sample) => valuesAt(sample.data, field).filter(({ value }) => matches(value)),
  };
}

export function customRules(custom: Record<string, CustomRuleConfig>): Rule[] {
  return Object.entries(custom).map(([name, config]) => customRule(name, config));
}
