/**
 * NodeCPUHighUsage: sum without(mode) (avg without(cpu) (rate(node_cpu_seconds_total{mode!~"idle|iowait"}[2m]))) * 100,
 * from the kernel's counters (a source that gives only shares, systeminformation, has none: the rule never matches).
 * The sum of the per-CPU, per-mode rates is the rate of the sum, which is what the window keeps.
 * NodeSystemSaturation: node_load1 / the number of CPUs.
 */
import type { CpuMode, LoadEvent } from '../events';
import type { Sample } from '../samples';
import type { AlertRulesConfig } from './config';
import { percent, whole } from './template';
import { rate } from './series';
import { SeriesWindows, type HostFacts, type Rule } from './types';

const BUSY_MODES: readonly CpuMode[] = ['user', 'nice', 'system', 'irq', 'softirq', 'steal'];

export function cpuRules(rules: AlertRulesConfig, host: HostFacts): Rule[] {
  const usage = rules.NodeCPUHighUsage;
  const saturation = rules.NodeSystemSaturation;
  const windows = new SeriesWindows(usage.range);
  const highUsage: Rule = {
    name: 'NodeCPUHighUsage',
    severity: 'info',
    forMs: usage.for,
    topic: 'cpu',
    summary: 'High CPU usage.',
    description: `CPU usage at {{ $labels.instance }} has been above ${percent(usage.above)}% for the last 15 minutes, is currently at {{ printf "%.2f" $value }}%.\n`,
    evaluate(sample) {
      const { data, raw } = sample as Sample<'cpu'>;
      if (raw.kind !== 'counters' || raw.cpus.length === 0) return [];
      const busy = raw.cpus.reduce((sum, cpu) => sum + BUSY_MODES.reduce((modes, mode) => modes + cpu.seconds[mode], 0), 0);
      const perSecond = rate(windows.push('', data.ts, busy).range(), usage.range, data.ts);
      if (perSecond === undefined) return [];
      const value = (perSecond / raw.cpus.length) * 100;
      return value > usage.above * 100 ? [{ labels: {}, value }] : [];
    },
  };
  const systemSaturation: Rule = {
    name: 'NodeSystemSaturation',
    severity: 'warning',
    forMs: saturation.for,
    topic: 'load',
    summary: 'System saturated, load per core is very high.',
    description:
      `System load per core at {{ $labels.instance }} has been above ${whole(saturation.above)} for the last 15 minutes, is currently at {{ printf "%.2f" $value }}.\n` +
      'This might indicate this instance resources saturation and can cause it becoming unresponsive.\n',
    evaluate(sample) {
      const cpus = host.cpuCount();
      if (!(cpus > 0)) return [];
      const value = (sample.data as LoadEvent).load1 / cpus;
      return value > saturation.above ? [{ labels: {}, value }] : [];
    },
  };
  return [...(usage.enabled ? [highUsage] : []), ...(saturation.enabled ? [systemSaturation] : [])];
}
