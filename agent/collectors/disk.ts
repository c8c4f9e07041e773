import type { DiskDevice, DiskEvent, Filesystem } from '../events';
import type { DiskCollectorConfig } from '../config';
import type { DiskStatsReading, MountReading, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, perSecond, ratio } from './deltas';

/** /proc/diskstats counts 512-byte sectors whatever the device's own sector size. */
const SECTOR_BYTES = 512;

export function filesystemOf(mount: MountReading): Filesystem {
  const base = {
    mountpoint: mount.mountpoint,
    device: mount.device,
    fstype: mount.fstype,
    // As node_exporter: read-only when the mount or the superblock says so (ext4 remounted ro after errors).
    readonly: mount.options.includes('ro') || (mount.superOptions?.includes('ro') ?? false),
  };
  if (!mount.stats) {
    return { ...base, sizeBytes: 0, freeBytes: 0, availBytes: 0, usedBytes: 0, usedRatio: 0, files: 0, filesFree: 0, error: mount.error ?? 'unreadable' };
  }
  // `inodes`: files and filesFree where the source has them, nothing where it has not.
  const { sizeBytes, freeBytes, availBytes, ...inodes } = mount.stats;
  const usedBytes = Math.max(0, sizeBytes - freeBytes);
  return { ...base, sizeBytes, freeBytes, availBytes, usedBytes, usedRatio: ratio(usedBytes, usedBytes + availBytes), ...inodes };
}

/** Per-device rates between two readings taken `seconds` apart; devices new since the last reading are left out. */
export function deviceRates(previous: Map<string, DiskStatsReading>, current: DiskStatsReading[], seconds: number): DiskDevice[] {
  if (!(seconds > 0)) return [];
  return current.flatMap((now) => {
    const before = previous.get(now.device);
    if (!before) return [];
    const delta = (pick: (d: DiskStatsReading) => number) => increase(pick(before), pick(now));
    return [
      {
        device: now.device,
        readBytesPerSecond: perSecond(delta((d) => d.sectorsRead) * SECTOR_BYTES, seconds),
        writeBytesPerSecond: perSecond(delta((d) => d.sectorsWritten) * SECTOR_BYTES, seconds),
        readsPerSecond: perSecond(delta((d) => d.readsCompleted), seconds),
        writesPerSecond: perSecond(delta((d) => d.writesCompleted), seconds),
        ioNow: now.ioNow,
        busyRatio: ratio(delta((d) => d.ioTimeMs) / 1000, seconds),
      },
    ];
  });
}

/** `monotonicMs` times the interval of the rates (performance.now(): wall-clock steps do not bend them). */
export function createDiskCollector(
  source: Source,
  config: DiskCollectorConfig,
  now: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): Collector<'disk'> {
  const mountPointsExclude = new RegExp(config.mountPointsExclude);
  const fsTypesExclude = new RegExp(config.fsTypesExclude);
  const devicesExclude = new RegExp(config.devicesExclude);
  const include = (mountpoint: string, fstype: string) => !mountPointsExclude.test(mountpoint) && !fsTypesExclude.test(fstype);
  let previous: { at: number; devices: Map<string, DiskStatsReading> } | undefined;

  return {
    topic: 'disk',
    async collect() {
      // The time of the diskstats read itself: statfs of a slow mount must not stretch the rate's interval.
      const stamped = source.diskStats().then((read) => ({ at: monotonicMs(), read }));
      const [mounts, { at, read }] = await Promise.all([source.mounts(include), stamped]);
      const devices = read && read.filter((d) => !devicesExclude.test(d.device));
      const raw = { mounts, devices };
      const event = (rates: DiskDevice[]): DiskEvent => ({ ts: now(), filesystems: mounts.map(filesystemOf), devices: rates });
      // Without per-device counters (systeminformation) there is no rate to wait for.
      if (!devices) return { topic: 'disk', data: event([]), raw };
      const base = previous && isRateBase(previous.at, at) ? previous : undefined;
      previous = { at, devices: new Map(devices.map((d) => [d.device, d])) };
      if (!base) return { topic: 'disk', raw };
      return { topic: 'disk', data: event(deviceRates(base.devices, devices, (at - base.at) / 1000)), raw };
    },
  };
}
