/**
 * NodeMemoryHighUtilization: 100 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100), from the
 * memory event's available and total (MemAvailable and MemTotal of /proc/meminfo).
 */
import type { MemoryEvent } from '../events';
import type { AlertRulesConfig } from './config';
import { percent } from './template';
import type { Rule } from './types';

export function memoryRules(rules: AlertRulesConfig): Rule[] {
  const config = rules.NodeMemoryHighUtilization;
  if (!config.enabled) return [];
  return [
    {
      name: 'NodeMemoryHighUtilization',
      severity: 'warning',
      forMs: config.for,
      topic: 'memory',
      summary: 'Host is running out of memory.',
      description: `Memory is filling up at {{ $labels.instance }}, has been above ${percent(config.above)}% for the last 15 minutes, is currently at {{ printf "%.2f" $value }}%.\n`,
      evaluate(sample) {
        const { availableBytes, totalBytes } = sample.data as MemoryEvent;
        if (!totalBytes) return [];
        const value = 100 - (availableBytes / totalBytes) * 100;
        return value > config.above * 100 ? [{ labels: {}, value }] : [];
      },
    },
  ];
}
