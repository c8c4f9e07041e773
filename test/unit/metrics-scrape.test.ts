import { Gauge, Registry } from 'prom-client';
import { createCpuCollector } from '../../agent/collectors/cpu';
import { cpuFamilies } from '../../agent/metrics/cpu';
import type { Family } from '../../agent/metrics/family';
import { scrape } from '../../agent/metrics/scrape';
import type { AnySample } from '../../agent/samples';
import type { CpuCounters, Source } from '../../agent/sources/types';
import { FAKE_MOUNT } from '../helpers/fake-source';
import { allSucceeded, contextOf, statusOf } from '../helpers/metrics-context';

const NOW_MS = 1_763_942_400_000;
const NO_PROCESS_METRICS = async (): Promise<Family[]> => [];

const cpu0 = (iowait: number, user = 10): CpuCounters => ({
  cpu: '0',
  seconds: { user, nice: 0, system: 5, idle: 100, iowait, irq: 0, softirq: 0, steal: 0 },
  guestSeconds: { user: 0, nice: 0 },
});

/** The latest samples of a procfs-like source; `data` is not what /metrics reads, so it is left empty. */
const PROCFS_SAMPLES: AnySample[] = [
  { topic: 'cpu', data: {} as never, raw: { kind: 'counters', cpus: [cpu0(1)] } },
  { topic: 'memory', data: {} as never, raw: { MemTotal: 8 * 2 ** 30, HugePages_Total: 0 } },
  { topic: 'load', data: {} as never, raw: { load1: 0.5, load5: 0.4, load15: 0.3 } },
  {
    topic: 'disk',
    data: {} as never,
    raw: {
      mounts: [FAKE_MOUNT],
      devices: [
        {
          major: 8, minor: 0, device: 'sda', readsCompleted: 1, readsMerged: 0, sectorsRead: 2, readTimeMs: 3,
          writesCompleted: 4, writesMerged: 0, sectorsWritten: 5, writeTimeMs: 6, ioNow: 0, ioTimeMs: 7, ioWeightedTimeMs: 8,
        },
      ],
    },
  },
];

/** What systeminformation gives: shares, no per-device counters, mounts without inodes or device numbers. */
const SI_SAMPLES: AnySample[] = [
  {
    topic: 'cpu',
    data: {} as never,
    raw: { kind: 'ratios', total: { user: 0.2, idle: 0.8 }, cpus: [{ cpu: '0', modes: { user: 0.2, idle: 0.8 } }] },
  },
  { topic: 'memory', data: {} as never, raw: { MemTotal: 8 * 2 ** 30, MemAvailable: 2 ** 32 } },
  { topic: 'load', data: {} as never, raw: { load1: 0.5, load5: 0.4, load15: 0.3 } },
  { topic: 'disk', data: {} as never, raw: { mounts: [{ ...FAKE_MOUNT, options: ['rw'], major: 0, minor: 0 }], devices: null } },
];

const names = (families: Family[]) => families.map((f) => f.name);
const valueOf = (families: Family[], name: string, labels: Record<string, string> = {}) =>
  families.find((f) => f.name === name)?.series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('scrape', () => {
  it('serves every collector that succeeds, the inventory, and success 1 for each', async () => {
    const families = await scrape(contextOf(PROCFS_SAMPLES, allSucceeded(PROCFS_SAMPLES)), new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(names(families)).toEqual(
      expect.arrayContaining([
        'node_cpu_seconds_total', 'node_memory_MemTotal_bytes', 'node_memory_HugePages_Total', 'node_load15',
        'node_filesystem_size_bytes', 'node_disk_read_bytes_total', 'node_uname_info',
      ]),
    );
    expect(valueOf(families, 'node_time_seconds')).toBe(NOW_MS / 1000);
    // node_exporter's collectors of the same families: cpu and stat (/proc/stat), meminfo, loadavg, diskstats and filesystem.
    for (const collector of ['cpu', 'stat', 'meminfo', 'loadavg', 'diskstats', 'filesystem']) {
      expect(valueOf(families, 'node_scrape_collector_success', { collector })).toBe(1);
    }
  });

  it('builds the families of a sample once: later scrapes of the same sample serve the same objects, a new sample its own', async () => {
    const samples = [...PROCFS_SAMPLES];
    const context = contextOf(samples, allSucceeded(samples));
    const scrapeNow = () => scrape(context, new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    const cpuFamily = (families: Family[]) => families.find((f) => f.name === 'node_cpu_seconds_total');
    const first = await scrapeNow();
    expect(cpuFamily(await scrapeNow())).toBe(cpuFamily(first));
    samples[0] = { topic: 'cpu', data: {} as never, raw: { kind: 'counters', cpus: [cpu0(2)] } };
    const next = await scrapeNow();
    expect(cpuFamily(next)).not.toBe(cpuFamily(first));
    expect(valueOf(next, 'node_cpu_seconds_total', { mode: 'iowait' })).toBe(2);
  });

  it('a collector whose last sample failed: its last good series are left out and its success is 0', async () => {
    const statuses = [statusOf('cpu', true), statusOf('memory', true), statusOf('load', true), statusOf('disk', false, 3)];
    const families = await scrape(contextOf(PROCFS_SAMPLES, statuses), new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(names(families).filter((name) => /^node_(disk|filesystem)_/.test(name))).toEqual([]);
    for (const collector of ['diskstats', 'filesystem']) expect(valueOf(families, 'node_scrape_collector_success', { collector })).toBe(0);
    expect(valueOf(families, 'node_scrape_collector_success', { collector: 'meminfo' })).toBe(1);
    expect(valueOf(families, 'hostfeed_collector_errors_total', { collector: 'disk' })).toBe(3);
    expect(valueOf(families, 'node_load1')).toBe(0.5);
  });

  it('a collector that has not sampled yet serves nothing and counts as not succeeding', async () => {
    const families = await scrape(contextOf([], [statusOf('cpu', undefined)]), new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(names(families).some((name) => name.startsWith('node_cpu'))).toBe(false);
    for (const collector of ['cpu', 'stat']) expect(valueOf(families, 'node_scrape_collector_success', { collector })).toBe(0);
  });

  it('every family has a HELP (one per family in the exposition); each collector its duration and error count', async () => {
    const statuses = [statusOf('cpu', true), statusOf('memory', true), statusOf('load', true), statusOf('disk', false, 3)].map((status, i) => ({ ...status, lastDurationSeconds: (i + 1) / 1000 }));
    const families = await scrape(contextOf(PROCFS_SAMPLES, statuses), new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(families.filter((f) => !f.help).map((f) => f.name)).toEqual([]);
    for (const { topic, errorsTotal } of statuses) expect(valueOf(families, 'hostfeed_collector_errors_total', { collector: topic })).toBe(errorsTotal);
    // The duration of the hostfeed collector that serves node_exporter's collector's families.
    const durations = { cpu: 'cpu', stat: 'cpu', meminfo: 'memory', loadavg: 'load', diskstats: 'disk', filesystem: 'disk' } as const;
    for (const [collector, topic] of Object.entries(durations)) {
      expect(valueOf(families, 'node_scrape_collector_duration_seconds', { collector })).toBe(statuses.find((s) => s.topic === topic)!.lastDurationSeconds);
    }
  });

  it('a collector that succeeded but whose sample is not in yet: nothing served for it, and nothing to warn of', async () => {
    const context = contextOf([], [statusOf('cpu', true)]);
    const warn = jest.spyOn(context.logger, 'warn');
    const families = await scrape(context, new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(names(families).some((name) => name.startsWith('node_cpu'))).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('systeminformation readings: no counter at all (shares are no counters), but memory, sizes and load', async () => {
    const families = await scrape(contextOf(SI_SAMPLES, allSucceeded(SI_SAMPLES), 'systeminformation'), new Registry(), NO_PROCESS_METRICS, () => NOW_MS);
    expect(families.filter((f) => f.type === 'counter' && f.name.startsWith('node_'))).toEqual([]);
    expect(names(families).some((name) => /^node_(cpu|disk)_|^node_filesystem_(files|files_free|mount_info)$/.test(name))).toBe(false);
    expect(valueOf(families, 'node_memory_MemAvailable_bytes')).toBe(2 ** 32);
    expect(valueOf(families, 'node_filesystem_size_bytes', { mountpoint: '/' })).toBe(FAKE_MOUNT.stats!.sizeBytes);
    expect(valueOf(families, 'node_load5')).toBe(0.4);
  });

  it('never throws on odd data: what cannot be rendered is left out, the rest is served', async () => {
    const odd: AnySample[] = [
      { topic: 'cpu', data: {} as never, raw: { kind: 'counters', cpus: undefined } as never },
      { topic: 'memory', data: {} as never, raw: { MemTotal: NaN, 'Odd(field)-x': 1, MemFree: 2 } },
      { topic: 'load', data: {} as never, raw: { load1: 0.5, load5: 0.4, load15: 0.3 } },
    ];
    const registry = new Registry();
    new Gauge({ name: 'hostfeed_broken', help: 'Throws in collect.', registers: [registry], collect: () => { throw new Error('boom'); } });
    new Gauge({ name: 'hostfeed_fine', help: 'Collects.', registers: [registry], collect() { this.set(7); } });
    const context = contextOf(odd, allSucceeded(odd));
    const warn = jest.spyOn(context.logger, 'warn');

    const families = await scrape(context, registry, NO_PROCESS_METRICS, () => NOW_MS);

    expect(names(families)).not.toContain('node_cpu_seconds_total');
    expect(names(families)).not.toContain('hostfeed_broken');
    expect(valueOf(families, 'hostfeed_fine')).toBe(7);
    expect(valueOf(families, 'node_memory_MemTotal_bytes')).toBeNaN();
    expect(valueOf(families, 'node_memory_MemFree_bytes')).toBe(2);
    expect(names(families).filter((name) => name.includes('Odd'))).toEqual([]);
    expect(valueOf(families, 'node_load1')).toBe(0.5);
    expect(warn).toHaveBeenCalledTimes(2);
    // The warning about the reading names its topic and carries the error, for whoever reads the log.
    expect(warn).toHaveBeenCalledWith({ err: expect.any(Error), topic: 'cpu' }, expect.stringMatching(/\S/));
  });

  it('node_cpu_seconds_total never goes backwards when the kernel counter dips (iowait), as node_exporter', async () => {
    const readings = [[cpu0(5, 10)], [cpu0(5, 11)], [cpu0(4, 12)], [cpu0(6, 13)]];
    const source = { cpu: async () => ({ kind: 'counters' as const, cpus: readings.shift()! }) } as Source;
    const collector = createCpuCollector(source);
    const exported: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { raw } = await collector.collect();
      exported.push(valueOf(cpuFamilies(raw), 'node_cpu_seconds_total', { mode: 'iowait' })!);
    }
    expect(exported).toEqual([5, 5, 5, 6]);
  });
});
