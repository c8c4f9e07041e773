/**
 * node_exporter's diskstats collector families from /proc/diskstats, with its conversions: sectors x 512 (the kernel
 * counts 512-byte sectors whatever the device's), milliseconds / 1000. Columns the kernel lacks (discards before 4.18,
 * flushes before 5.5) have no series. The device exclusion is the disk collector's (config devicesExclude).
 */
import type { DiskStatsReading } from '../sources/types';
import { family, type Family } from './family';

const SECTOR_BYTES = 512;

/** Divided rather than multiplied by 0.001, so that 2167 ms reads 2.167 and not 2.1670000000000003. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

interface DiskFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: (d: DiskStatsReading) => number | undefined;
}

const counter = (name: string, help: string, value: DiskFamily['value']): DiskFamily => ({ name, help, type: 'counter', value });
const gauge = (name: string, help: string, value: DiskFamily['value']): DiskFamily => ({ name, help, type: 'gauge', value });

/** In /proc/diskstats column order, as node_exporter lists them. */
const FAMILIES: DiskFamily[] = [
  counter('reads_completed_total', 'The total number of reads completed successfully.', (d) => d.readsCompleted),
  counter('reads_merged_total', 'The total number of reads merged.', (d) => d.readsMerged),
  counter('read_bytes_total', 'The total number of bytes read successfully.', (d) => d.sectorsRead * SECTOR_BYTES),
  counter('read_time_seconds_total', 'The total number of seconds spent by all reads.', (d) => seconds(d.readTimeMs)),
  counter('writes_completed_total', 'The total number of writes completed successfully.', (d) => d.writesCompleted),
  counter('writes_merged_total', 'The number of writes merged.', (d) => d.writesMerged),
  counter('written_bytes_total', 'The total number of bytes written successfully.', (d) => d.sectorsWritten * SECTOR_BYTES),
  counter('write_time_seconds_total', 'This is the total number of seconds spent by all writes.', (d) => seconds(d.writeTimeMs)),
  gauge('io_now', 'The number of I/Os currently in progress.', (d) => d.ioNow),
  counter('io_time_seconds_total', 'Total seconds spent doing I/Os.', (d) => seconds(d.ioTimeMs)),
  counter('io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', (d) => seconds(d.ioWeightedTimeMs)),
  counter('discards_completed_total', 'The total number of discards completed successfully.', (d) => d.discardsCompleted),
  counter('discards_merged_total', 'The total number of discards merged.', (d) => d.discardsMerged),
  counter('discarded_sectors_total', 'The total number of sectors discarded successfully.', (d) => d.sectorsDiscarded),
  counter('discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', (d) => seconds(d.discardTimeMs)),
  // Without a final period, as node_exporter's own HELP: the text is part of what a scrape compares equal.
  counter('flush_requests_total', 'The total number of flush requests completed successfully', (d) => d.flushRequests),
  counter('flush_requests_time_seconds_total', 'This is the total number of seconds spent by all flush requests.', (d) => seconds(d.flushTimeMs)),
];

/** null: the source has no per-device counters (systeminformation), so there is nothing faithful to serve. */
export function diskstatsFamilies(devices: readonly DiskStatsReading[] | null): Family[] {
  if (!devices) return [];
  return FAMILIES.map(({ name, help, type, value }) =>
    family(`node_disk_${name}`, help, type, devices.map((d) => [{ device: d.device }, value(d)])),
  );
}
