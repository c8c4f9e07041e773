/**
 * The derived figures over several samples, each checked against arithmetic done here on the raw counters (the fake
 * source's readings, or the fixture files' own lines per proc(5)), never against the collectors' helpers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createCpuCollector } from '../../agent/collectors/cpu';
import type { Collector } from '../../agent/collectors/types';
import { createDiskCollector } from '../../agent/collectors/disk';
import { createMemoryCollector } from '../../agent/collectors/memory';
import { parseConfig } from '../../agent/config';
import type { Topic, TopicPayload } from '../../agent/events';
import type { Reading } from '../../agent/samples';
import { createSource } from '../../agent/sources';
import type { CpuCounters, CpuReading, MountReading, Source } from '../../agent/sources/types';
import { FAKE_MOUNT, createFakeSource } from '../helpers/fake-source';

const PROC = join(__dirname, '../fixtures/proc');
const EDGE = join(__dirname, '../fixtures/procfs-edge');
const DISK_DEFAULTS = parseConfig({}, 'test').collectors.disk;

function countersOf(reading: CpuReading): CpuCounters[] {
  if (reading.kind !== 'counters') throw new Error('expected counters');
  return reading.cpus;
}

/** Every mode the reading has, summed: the time that passed on the CPU. */
const elapsed = (seconds: Record<string, number>) => Object.values(seconds).reduce((sum, s) => sum + s, 0);

/** What each mode gained on each CPU between two readings of the same CPUs. */
function gains(before: CpuCounters[], after: CpuCounters[]): Record<string, number>[] {
  return after.map((now, i) => {
    const then = before[i]!;
    expect(then.cpu).toBe(now.cpu);
    return Object.fromEntries(Object.entries(now.seconds).map(([mode, s]) => [mode, s - then.seconds[mode as keyof typeof then.seconds]]));
  });
}

/** `count` reads in a row, the first a baseline (no payload), every later one a sample; `after` runs after each. */
async function collectSeveral<T extends Topic>(collector: Collector<T>, count: number, after: () => void = () => undefined): Promise<Reading<T>[]> {
  const readings: Reading<T>[] = [];
  for (let i = 0; i < count; i++) {
    readings.push(await collector.collect());
    after();
  }
  expect(readings.map((r) => r.data !== undefined)).toEqual(readings.map((_, i) => i > 0));
  return readings;
}

/** The second read of a fresh collector: its first with a payload. */
async function firstSample<T extends Topic>(collector: Collector<T>): Promise<TopicPayload<T>> {
  await collector.collect();
  const { data } = await collector.collect();
  if (!data) throw new Error('the second read has no payload');
  return data;
}

describe('CPU rates over several samples', () => {
  it('each sample is the share of its own interval, with every mode in the sum', async () => {
    const fake = createFakeSource();
    const samples = await collectSeveral(createCpuCollector(fake.source), 4);
    const usages: number[] = [];
    for (let i = 1; i < samples.length; i++) {
      const perCpu = gains(countersOf(samples[i - 1]!.raw), countersOf(samples[i]!.raw));
      const data = samples[i]!.data!;
      perCpu.forEach((gained, core) => expect(data.cores[core]!.usage).toBeCloseTo(1 - gained.idle! / elapsed(gained), 3));
      const all = perCpu.reduce((sum, gained) => sum + elapsed(gained), 0);
      for (const mode of Object.keys(perCpu[0]!)) {
        const share = perCpu.reduce((sum, gained) => sum + gained[mode]!, 0) / all;
        expect(share).toBeGreaterThan(0); // the fake moves every mode, so none can hide
        expect(data.modes[mode as keyof typeof data.modes]).toBeCloseTo(share, 3);
      }
      expect(data.usage).toBeCloseTo(1 - data.modes.idle, 6);
      usages.push(data.usage);
    }
    expect(new Set(usages).size).toBe(usages.length); // intervals differ: a rate since the first sample would show
  });
});

describe('CPU rates from the real capture', () => {
  /** The first 8 columns of a cpuN line, in ticks: user nice system idle iowait irq softirq steal (proc(5)). */
  function statColumns(file: string, cpu: string): number[] {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) throw new Error(`${file} has no cpu${cpu} line`);
    return line.trim().split(/\s+/).slice(1, 9).map(Number);
  }
  const IDLE = 3;
  const usageBetween = (from: string, to: string, cpu: string) => {
    const gained = statColumns(to, cpu).map((ticks, column) => ticks - statColumns(from, cpu)[column]!);
    return 1 - gained[IDLE]! / gained.reduce((a, b) => a + b, 0);
  };

  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(os.tmpdir(), 'hostfeed-rates-'));
    cpSync(PROC, root, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('usage per core between stat and stat.later, and the CPU that restarted its counters (hotplug)', async () => {
    const source = await createSource(parseConfig({ source: 'procfs', procfsRoot: root }, 'test'));
    const collector = createCpuCollector(source);
    const stat = join(root, 'stat');
    try {
      await collector.collect(); // the baseline, on `stat`
      writeFileSync(stat, readFileSync(join(PROC, 'stat.later')));
      const later = await collector.collect();
      for (const cpu of ['0', '1']) {
        const core = later.data!.cores.find((c) => c.cpu === cpu);
        expect(core?.usage).toBeCloseTo(usageBetween(join(PROC, 'stat'), join(PROC, 'stat.later'), cpu), 3);
      }

      // CPU 1 went offline and online: its idle restarted at 120 ticks. It is taken afresh, as node_exporter does:
      // its idle counter is the new one (not the old one held flat) and it has no usage for this interval.
      const restart = join(EDGE, 'stat-idle-restart');
      writeFileSync(stat, readFileSync(restart));
      const hotplug = await collector.collect();
      const cpu1 = countersOf(hotplug.raw).find((c) => c.cpu === '1')!;
      expect(cpu1.seconds.idle).toBeCloseTo(statColumns(restart, '1')[IDLE]! / 100, 6);
      expect(hotplug.data!.cores.map((c) => c.cpu)).toEqual(['0']);
      expect(hotplug.data!.cores[0]!.usage).toBeCloseTo(usageBetween(join(PROC, 'stat.later'), restart, '0'), 3);
      expect(hotplug.data!.usage).toBeCloseTo(hotplug.data!.cores[0]!.usage, 3);
    } finally {
      source.close?.();
    }
  });
});

describe('CPU counters that restart', () => {
  const withIdle = (idle: number, user: number): CpuCounters => ({
    cpu: '0',
    seconds: { user, nice: 1, system: 2, idle, iowait: 3, irq: 0.5, softirq: 0.25, steal: 0.125 },
    guestSeconds: { user: 0, nice: 0 },
  });

  it('idle back by less than 3 s is a glitch: the counters keep their last values', async () => {
    const readings = [withIdle(100, 10), withIdle(97.01, 11)];
    const source: Source = { ...createFakeSource().source, cpu: async () => ({ kind: 'counters', cpus: [readings.shift() ?? withIdle(97.01, 11)] }) };
    const collector = createCpuCollector(source);
    await collector.collect();
    const sample = await collector.collect();
    expect(countersOf(sample.raw)[0]!.seconds.idle).toBe(100);
    expect(sample.data!.cores[0]!.usage).toBe(1); // only user moved
  });

  it('idle back by 3 s or more is a restart: the new counters are taken as they are', async () => {
    const readings = [withIdle(100, 10), withIdle(97, 11)];
    const source: Source = { ...createFakeSource().source, cpu: async () => ({ kind: 'counters', cpus: [readings.shift() ?? withIdle(97, 11)] }) };
    const collector = createCpuCollector(source);
    await collector.collect();
    const sample = await collector.collect();
    expect(countersOf(sample.raw)[0]!.seconds).toEqual(withIdle(97, 11).seconds);
    expect(sample.data!.cores).toEqual([]);
  });
});

describe('disk rates over several samples', () => {
  it('each sample is the rate of its own interval, timed by the monotonic clock', async () => {
    const fake = createFakeSource();
    const collector = createDiskCollector(fake.source, DISK_DEFAULTS, Date.now, fake.diskClock);
    const clock: number[] = [];
    const samples = await collectSeveral(collector, 4, () => clock.push(fake.diskClock()));
    const reads: number[] = [];
    for (let i = 1; i < samples.length; i++) {
      const [before, after] = [samples[i - 1]!.raw.devices![0]!, samples[i]!.raw.devices![0]!];
      const seconds = (clock[i]! - clock[i - 1]!) / 1000;
      const [device] = samples[i]!.data!.devices;
      expect(device).toEqual({
        device: 'sda',
        readBytesPerSecond: ((after.sectorsRead - before.sectorsRead) * 512) / seconds,
        writeBytesPerSecond: ((after.sectorsWritten - before.sectorsWritten) * 512) / seconds,
        readsPerSecond: (after.readsCompleted - before.readsCompleted) / seconds,
        writesPerSecond: (after.writesCompleted - before.writesCompleted) / seconds,
        ioNow: after.ioNow,
        busyRatio: (after.ioTimeMs - before.ioTimeMs) / 1000 / seconds,
      });
      reads.push(device!.readsPerSecond);
    }
    expect(new Set(reads).size).toBe(reads.length); // intervals differ: a rate since the first sample would show
  });
});

describe('memory', () => {
  /** A /proc/meminfo field of the capture, in bytes, read from its line. */
  function meminfoBytes(field: string): number {
    const line = readFileSync(join(PROC, 'meminfo'), 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
    return Number(/(\d+) kB/.exec(line)![1]) * 1024;
  }

  it('free, buffers and cached are MemFree, Buffers and Cached', async () => {
    const source = await createSource(parseConfig({ source: 'procfs', procfsRoot: PROC }, 'test'));
    try {
      const data = await firstSample(createMemoryCollector(source));
      expect(meminfoBytes('MemFree')).not.toBe(meminfoBytes('MemAvailable')); // else the test could not tell them apart
      expect(data).toMatchObject({
        totalBytes: meminfoBytes('MemTotal'),
        freeBytes: meminfoBytes('MemFree'),
        availableBytes: meminfoBytes('MemAvailable'),
        buffersBytes: meminfoBytes('Buffers'),
        cachedBytes: meminfoBytes('Cached'),
      });
    } finally {
      source.close?.();
    }
  });
});

describe('procfsRoot', () => {
  it('the procfs source reads the tree it names', async () => {
    const source = await createSource(parseConfig({ source: 'procfs', procfsRoot: PROC }, 'test'));
    try {
      const [load1, load5, load15] = readFileSync(join(PROC, 'loadavg'), 'utf8').split(' ').map(Number);
      expect(await source.load()).toEqual({ load1, load5, load15 });
    } finally {
      source.close?.();
    }
  });

  it('a tree without the files fails with the path it tried', async () => {
    const missing = join(os.tmpdir(), 'hostfeed-no-such-proc');
    const source = await createSource(parseConfig({ source: 'procfs', procfsRoot: missing }, 'test'));
    await expect(source.load()).rejects.toThrow(`couldn't read ${missing}/loadavg: ENOENT`);
  });
});

describe('fsTypesExclude', () => {
  const TMPFS: MountReading = { ...FAKE_MOUNT, device: 'tmpfs', mountpoint: '/run/user/1000', fstype: 'tmpfs' };

  async function mountpointsWith(disk: Record<string, string>): Promise<string[]> {
    const fake = createFakeSource();
    const source: Source = { ...fake.source, mounts: async (include) => [FAKE_MOUNT, TMPFS].filter((m) => include(m.mountpoint, m.fstype)) };
    const config = parseConfig({ collectors: { disk } }, 'test').collectors.disk;
    const data = await firstSample(createDiskCollector(source, config));
    return data.filesystems.map((f) => f.mountpoint);
  }

  it('leaves out the mounts of the filesystem types it matches, whatever their mountpoint', async () => {
    expect(await mountpointsWith({ fsTypesExclude: '^tmpfs$' })).toEqual(['/']);
    expect(await mountpointsWith({ fsTypesExclude: '^ext4$' })).toEqual(['/run/user/1000']);
  });

  it('is matched against the type, not the mountpoint', async () => {
    expect(await mountpointsWith({ fsTypesExclude: '^/' })).toEqual(['/', '/run/user/1000']);
  });
});
