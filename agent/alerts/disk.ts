/**
 * NodeDiskIOSaturation: rate(node_disk_io_time_weighted_seconds_total[5m]) > 10 per device (the average queue, aqu-sq),
 * over the devices the disk collector keeps (node_exporter's device exclusion).
 */
import type { Sample } from '../samples';
import type { AlertRulesConfig } from './config';
import { whole } from './template';
import { rate } from './series';
import { SeriesWindows, type Match, type Rule } from './types';

export function diskRules(rules: AlertRulesConfig): Rule[] {
  const config = rules.NodeDiskIOSaturation;
  if (!config.enabled) return [];
  const windows = new SeriesWindows(config.range);
  return [
    {
      name: 'NodeDiskIOSaturation',
      severity: 'warning',
      forMs: config.for,
      topic: 'disk',
      summary: 'Disk IO queue is high.',
      description:
        `Disk IO queue (aqu-sq) is high on {{ $labels.device }} at {{ $labels.instance }}, has been above ${whole(config.above)} for the last 30 minutes, is currently at {{ printf "%.2f" $value }}.\n` +
        'This symptom might indicate disk saturation.\n',
      evaluate(sample) {
        const { data, raw } = sample as Sample<'disk'>;
        const devices = raw.devices ?? [];
        const matches = devices.flatMap((device): Match[] => {
          const value = rate(windows.push(device.device, data.ts, device.ioWeightedTimeMs / 1000).range(), config.range, data.ts);
          return value !== undefined && value > config.above ? [{ labels: { device: device.device }, value }] : [];
        });
        windows.retain(new Set(devices.map((device) => device.device)));
        return matches;
      },
    },
  ];
}
