/**
 * The node-mixin's filesystem alerts, over the disk topic's filesystems: space and inodes almost out, and filling up
 * (predict_linear over the rule's range, e.g. 6 h). Each is written twice by the mixin, warning and critical. The
 * expression's labels are node_filesystem_*'s: device, fstype, mountpoint (device_error is empty on a readable mount,
 * and Prometheus drops empty labels). A mount that cannot be read has no size: avail / size is NaN, no match.
 */
import type { DiskEvent, Filesystem } from '../events';
import type { AlertRulesConfig } from './config';
import { percent } from './template';
import { predictLinear } from './series';
import { SeriesWindows, type Labels, type Match, type Rule } from './types';

type Quantity = 'space' | 'inodes';

/** The mixin's two severities of each filesystem rule (nodeCriticalSeverity is "critical"). */
const SEVERITIES = ['warning', 'critical'] as const;

/** avail / size of the quantity in percent and the avail figure, or undefined where the expression has no value. */
function available(fs: Filesystem, quantity: Quantity): { percent: number; avail: number } | undefined {
  if (fs.error || fs.readonly) return undefined;
  const [avail, size] = quantity === 'space' ? [fs.availBytes, fs.sizeBytes] : [fs.filesFree, fs.files];
  if (avail === undefined || !size) return undefined;
  return { percent: (avail / size) * 100, avail };
}

const labelsOf = (fs: Filesystem): Labels => ({ device: fs.device, fstype: fs.fstype, mountpoint: fs.mountpoint });
const keyOf = (fs: Filesystem) => JSON.stringify([fs.device, fs.fstype, fs.mountpoint]);

const WHAT: Record<Quantity, { left: string; names: [string, string] }> = {
  space: { left: 'available space left', names: ['NodeFilesystemAlmostOutOfSpace', 'NodeFilesystemSpaceFillingUp'] },
  inodes: { left: 'available inodes left', names: ['NodeFilesystemAlmostOutOfFiles', 'NodeFilesystemFilesFillingUp'] },
};

const where = 'Filesystem on {{ $labels.device }}, mounted on {{ $labels.mountpoint }}, at {{ $labels.instance }} has only {{ printf "%.2f" $value }}%';

/** NodeFilesystemAlmostOutOfSpace / NodeFilesystemAlmostOutOfFiles: less than the threshold left, now. */
function almostOut(quantity: Quantity, config: AlertRulesConfig['NodeFilesystemAlmostOutOfSpace']): Rule[] {
  return SEVERITIES
    .filter((severity) => config[severity].enabled)
    .map((severity) => {
      const threshold = config[severity].below * 100;
      return {
        name: WHAT[quantity].names[0],
        severity,
        forMs: config.for,
        topic: 'disk',
        summary: `Filesystem has less than ${percent(config[severity].below)}% ${quantity === 'space' ? 'space' : 'inodes'} left.`,
        description: `${where} ${WHAT[quantity].left}.`,
        evaluate: (sample) =>
          (sample.data as DiskEvent).filesystems.flatMap((fs): Match[] => {
            const figure = available(fs, quantity);
            return figure && figure.percent < threshold ? [{ labels: labelsOf(fs), value: figure.percent }] : [];
          }),
      };
    });
}

/** NodeFilesystemSpaceFillingUp / NodeFilesystemFilesFillingUp: below the threshold and predicted to reach 0 within the horizon. */
function fillingUp(quantity: Quantity, config: AlertRulesConfig['NodeFilesystemSpaceFillingUp']): Rule[] {
  // Both severities read the same windows; a second push of one sample's value is a no-op.
  const windows = new SeriesWindows(config.range);
  return SEVERITIES
    .filter((severity) => config[severity].enabled)
    .map((severity) => {
      const { below, within } = config[severity];
      const hours = within / 3_600_000;
      return {
        name: WHAT[quantity].names[1],
        severity,
        forMs: config.for,
        topic: 'disk',
        summary: `Filesystem is predicted to run out of ${quantity} within the next ${hours} hours.`,
        description: `${where} ${WHAT[quantity].left} and is filling up${severity === 'critical' ? ' fast' : ''}.`,
        evaluate(sample) {
          const { ts, filesystems } = sample.data as DiskEvent;
          const seen = new Set<string>();
          const matches = filesystems.flatMap((fs): Match[] => {
            const figure = available(fs, quantity);
            if (!figure) return [];
            const key = keyOf(fs);
            seen.add(key);
            const window = windows.push(key, ts, figure.avail);
            if (!(figure.percent < below * 100)) return [];
            const predicted = predictLinear(window.range(), within / 1000, ts);
            return predicted !== undefined && predicted < 0 ? [{ labels: labelsOf(fs), value: figure.percent }] : [];
          });
          windows.retain(seen);
          return matches;
        },
      };
    });
}

export function filesystemRules(rules: AlertRulesConfig): Rule[] {
  return [
    ...(rules.NodeFilesystemSpaceFillingUp.enabled ? fillingUp('space', rules.NodeFilesystemSpaceFillingUp) : []),
    ...(rules.NodeFilesystemAlmostOutOfSpace.enabled ? almostOut('space', rules.NodeFilesystemAlmostOutOfSpace) : []),
    ...(rules.NodeFilesystemFilesFillingUp.enabled ? fillingUp('inodes', rules.NodeFilesystemFilesFillingUp) : []),
    ...(rules.NodeFilesystemAlmostOutOfFiles.enabled ? almostOut('inodes', rules.NodeFilesystemAlmostOutOfFiles) : []),
  ];
}
