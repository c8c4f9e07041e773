/**
 * The node-mixin's alerts (prometheus/node_exporter docs/node-mixin/alerts/alerts.libsonnet with the defaults of
 * config.libsonnet) for what hostfeed samples, as typed rules. Names, severities, labels, `for` and annotation texts
 * are the mixin's at upstream commit a7dcc3a01545180d4f2087db70994cbc3abfed13; the thresholds are its defaults
 * unless alerts.rules says otherwise.
 */
import type { AlertRulesConfig } from './config';
import { cpuRules } from './cpu';
import { diskRules } from './disk';
import { filesystemRules } from './filesystem';
import { memoryRules } from './memory';
import { networkRules } from './network';
import type { HostFacts, Rule } from './types';

export const MIXIN_COMMIT = 'a7dcc3a01545180d4f2087db70994cbc3abfed13';

export function mixinRules(rules: AlertRulesConfig, host: HostFacts): Rule[] {
  return [...filesystemRules(rules), ...networkRules(rules), ...cpuRules(rules, host), ...memoryRules(rules), ...diskRules(rules)];
}
