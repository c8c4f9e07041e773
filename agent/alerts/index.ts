/** The alert engine of an agent: the node-mixin's rules and the custom ones, over the topics the feed samples. */
import type { Config } from '../config';
import type { Feed } from '../feed';
import type { Inventory } from '../sources/types';
import { customRules } from './custom';
import { createAlertEngine, type AlertEngine } from './engine';
import { mixinRules } from './mixin';

/** Undefined when alerts.enabled is false. */
export function createAlerts(config: Config, feed: Feed, inventory: Inventory): AlertEngine | undefined {
  const { enabled, rules, custom, labels } = config.alerts;
  if (!enabled) return undefined;
  const all = [...mixinRules(rules, { cpuCount: () => inventory.cpuCores }), ...customRules(custom)];
  // A rule over a topic that is not sampled would never be evaluated: it is left out, of hostfeed_alerts too.
  const sampled = all.filter((rule) => feed.topics.includes(rule.topic));
  return createAlertEngine(sampled, feed.items$, { instance: inventory.hostname, ...labels });
}
