import { clampCounters, createCpuCollector, usageFromCounters, usageFromRatios } from '../../agent/collectors/cpu';
import { createDiskCollector, deviceRates, filesystemOf } from '../../agent/collectors/disk';
import { increase, perSecond, ratio } from '../../agent/collectors/deltas';
import { createCollectors } from '../../agent/collectors';
import { createLoadCollector } from '../../agent/collectors/load';
import { memoryEvent } from '../../agent/collectors/memory';
import { parseConfig } from '../../agent/config';
import type { CpuCounters, DiskStatsReading } from '../../agent/sources/types';
import { FAKE_MOUNT, createFakeSource } from '../helpers/fake-source';

const cpu = (name: string, user: number, system: number, idle: number, iowait = 0): CpuCounters => ({
  cpu: name,
  seconds: { user, nice: 0, system, idle, iowait, irq: 0, softirq: 0, steal: 0 },
  guestSeconds: { user: 0, nice: 0 },
});

describe('deltas', () => {
  it('a counter increase, 0 when it went backwards', () => {
    expect(increase(3, 5)).toBe(2);
    expect(increase(5, 3)).toBe(0);
  });

  it('a share within 0..1 to 4 decimals, 0 of a total that is not positive', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(3, 2)).toBe(1);
    expect(ratio(-1, 2)).toBe(0);
    expect(ratio(1, 0)).toBe(0);
    expect(ratio(1, -2)).toBe(0);
    expect(ratio(1, NaN)).toBe(0);
  });

  it('a rate per second to 3 decimals', () => {
    expect(perSecond(1, 3)).toBe(0.333);
    expect(perSecond(2, 3)).toBe(0.667);
    expect(perSecond(10, 4)).toBe(2.5);
  });
});

describe('cpu', () => {
  it('no time passed: every share is 0, not a division by zero', () => {
    const same = [cpu('0', 10, 10, 80)];
    const derived = usageFromCounters(new Map([['0', same[0]!]]), same);
    expect(derived.usage).toBe(0);
    expect(derived.cores).toEqual([{ cpu: '0', usage: 0 }]);
    expect(Object.values(derived.modes).every((share) => share === 0)).toBe(true);
  });

  it('derives usage per core and per mode from counter deltas', () => {
    const before = new Map([['0', cpu('0', 10, 10, 80)], ['1', cpu('1', 0, 0, 100)]]);
    const derived = usageFromCounters(before, [cpu('0', 13, 11, 86), cpu('1', 0, 0, 110)]);
    expect(derived.cores).toEqual([
      { cpu: '0', usage: 0.4 },
      { cpu: '1', usage: 0 },
    ]);
    // 20 s of CPU time in all: 3 user, 1 system, 16 idle.
    expect(derived.modes.user).toBeCloseTo(0.15);
    expect(derived.modes.system).toBeCloseTo(0.05);
    expect(derived.modes.idle).toBeCloseTo(0.8);
    expect(derived.usage).toBeCloseTo(0.2);
  });

  it('a counter that goes backwards keeps its last value, as node_exporter does', () => {
    const before = new Map([['0', cpu('0', 10, 10, 80, 5)]]);
    const [clamped] = clampCounters(before, [cpu('0', 12, 11, 90, 4)]);
    expect(clamped.seconds.iowait).toBe(5);
    expect(clamped.seconds.user).toBe(12);
    expect(usageFromCounters(before, [clamped]).modes.iowait).toBe(0);
  });

  it('guest counters that go backwards keep their last values too', () => {
    const withGuest = (user: number, nice: number): CpuCounters => ({ ...cpu('0', 10, 10, 80), guestSeconds: { user, nice } });
    const [clamped] = clampCounters(new Map([['0', withGuest(4, 2)]]), [withGuest(3, 1)]);
    expect(clamped.guestSeconds).toEqual({ user: 4, nice: 2 });
    expect(clampCounters(new Map([['0', withGuest(4, 2)]]), [withGuest(5, 3)])[0]!.guestSeconds).toEqual({ user: 5, nice: 3 });
  });

  it('a CPU that disappears is left out, and starts afresh when it returns', () => {
    const before = new Map([['0', cpu('0', 10, 10, 80)], ['2', cpu('2', 50, 50, 50)]]);
    const withoutTwo = usageFromCounters(before, [cpu('0', 11, 10, 89)]);
    expect(withoutTwo.cores.map((c) => c.cpu)).toEqual(['0']);
    const returned = clampCounters(new Map([['0', cpu('0', 11, 10, 89)]]), [cpu('0', 12, 10, 98), cpu('2', 1, 1, 1)]);
    expect(returned[1].seconds.user).toBe(1);
  });

  it('the first read is a baseline without payload; the next is a rate over the two', async () => {
    const fake = createFakeSource();
    const read: CpuCounters[][] = [];
    const source = { ...fake.source, cpu: async () => {
      const reading = await fake.source.cpu();
      if (reading.kind === 'counters') read.push(reading.cpus);
      return reading;
    } };
    const collector = createCpuCollector(source, () => 42);
    const baseline = await collector.collect();
    expect(baseline.data).toBeUndefined();
    expect(baseline.raw.kind).toBe('counters');
    const sample = await collector.collect();
    expect(read).toHaveLength(2);
    expect(sample.data?.ts).toBe(42);
    const gained = (cpu: number, mode: keyof CpuCounters['seconds']) => read[1]![cpu]!.seconds[mode] - read[0]![cpu]!.seconds[mode];
    const total = (cpu: number) => Object.keys(read[0]![cpu]!.seconds).reduce((sum, mode) => sum + gained(cpu, mode as keyof CpuCounters['seconds']), 0);
    expect(sample.data?.usage).toBeCloseTo(1 - (gained(0, 'idle') + gained(1, 'idle')) / (total(0) + total(1)), 3);
    expect(sample.data?.cores).toHaveLength(2);
  });

  it('a previous read older than two minutes is no base for a rate: the read is a baseline again', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const fake = createFakeSource();
      const collector = createCpuCollector(fake.source);
      await collector.collect();
      jest.advanceTimersByTime(60_000);
      expect((await collector.collect()).data).toBeDefined();
      jest.advanceTimersByTime(121_000);
      expect((await collector.collect()).data).toBeUndefined();
      expect((await collector.collect()).data).toBeDefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('systeminformation ratios pass through without iowait', () => {
    const derived = usageFromRatios({
      kind: 'ratios',
      total: { user: 0.2, system: 0.1, idle: 0.7, nice: 0, irq: 0, steal: 0 },
      cpus: [{ cpu: '0', modes: { user: 0.3, system: 0.1, idle: 0.6 } }],
    });
    expect(derived.usage).toBeCloseTo(0.3);
    expect(derived.modes).not.toHaveProperty('iowait');
    expect(derived.cores).toEqual([{ cpu: '0', usage: 0.4 }]);
  });
});

describe('load', () => {
  it('the load averages as the source read them, at the sample time', async () => {
    const fake = createFakeSource();
    const sample = await createLoadCollector(fake.source, () => 7).collect();
    expect(sample.raw).toEqual({ load1: 0.51, load5: 0.4, load15: 0.3 }); // the fake's first reading
    expect(sample.data).toEqual({ ts: 7, load1: 0.51, load5: 0.4, load15: 0.3 });
  });
});

describe('collector registry', () => {
  it('one collector per enabled topic, each of its own topic', () => {
    const config = parseConfig({ collectors: { load: { enabled: false } } }, 'test');
    expect(createCollectors(createFakeSource().source, config).map((c) => c.topic)).toEqual(['cpu', 'memory', 'disk', 'network', 'pressure']);
  });
});

describe('memory', () => {
  const GiB = 2 ** 30;
  it('used is total - available', () => {
    const event = memoryEvent({ MemTotal: 8 * GiB, MemFree: GiB, MemAvailable: 6 * GiB, Buffers: 0, Cached: 3 * GiB, SwapTotal: 2 * GiB, SwapFree: GiB }, 7);
    expect(event).toMatchObject({ ts: 7, usedBytes: 2 * GiB, usedRatio: 0.25, swapUsedBytes: GiB, cachedBytes: 3 * GiB });
  });

  it('without MemAvailable, available is free + buffers + cached', () => {
    const event = memoryEvent({ MemTotal: 8 * GiB, MemFree: GiB, Buffers: GiB, Cached: 2 * GiB, SwapTotal: 0, SwapFree: 0 }, 0);
    expect(event.availableBytes).toBe(4 * GiB);
    expect(event.usedBytes).toBe(4 * GiB);
    expect(event.swapUsedBytes).toBe(0);
  });
});

describe('disk', () => {
  const stats = (device: string, sectorsRead: number, sectorsWritten: number, ioTimeMs: number): DiskStatsReading => ({
    major: 8, minor: 0, device, readsCompleted: sectorsRead / 8, readsMerged: 0, sectorsRead, readTimeMs: 0,
    writesCompleted: sectorsWritten / 8, writesMerged: 0, sectorsWritten, writeTimeMs: 0, ioNow: 1, ioTimeMs, ioWeightedTimeMs: 0,
  });

  it('rates per device: sectors of 512 bytes, busy share of the interval', () => {
    const before = new Map([['sda', stats('sda', 0, 0, 0)]]);
    const [sda] = deviceRates(before, [stats('sda', 2048, 4096, 500)], 2);
    expect(sda).toEqual({ device: 'sda', readBytesPerSecond: 524_288, writeBytesPerSecond: 1_048_576, readsPerSecond: 128, writesPerSecond: 256, ioNow: 1, busyRatio: 0.25 });
  });

  it('no time passed: no rates rather than a division by zero', () => {
    const sda = stats('sda', 0, 0, 0);
    expect(deviceRates(new Map([['sda', sda]]), [stats('sda', 8, 8, 10)], 0)).toEqual([]);
  });

  it('a device new since the last reading has no rates yet', () => {
    expect(deviceRates(new Map(), [stats('sdb', 8, 8, 10)], 1)).toEqual([]);
  });

  it('a device reset (counters backwards) gives zero rates, not negative ones', () => {
    const [sda] = deviceRates(new Map([['sda', stats('sda', 4096, 4096, 900)]]), [stats('sda', 8, 8, 10)], 1);
    expect(sda.readBytesPerSecond).toBe(0);
    expect(sda.busyRatio).toBe(0);
  });

  it('filesystem used ratio as df(1): used / (used + avail)', () => {
    const fs = filesystemOf(FAKE_MOUNT);
    expect(fs.usedBytes).toBe(60 * 2 ** 30);
    expect(fs.usedRatio).toBeCloseTo(60 / 95);
    expect(fs.readonly).toBe(false);
  });

  it('an unreadable mount is reported with its error and zero sizes', () => {
    const fs = filesystemOf({ ...FAKE_MOUNT, options: ['ro'], stats: null, error: 'statfs timed out after 5000ms' });
    expect(fs).toMatchObject({ error: 'statfs timed out after 5000ms', sizeBytes: 0, readonly: true });
  });

  it('an unreadable mount without a reason says so', () => {
    expect(filesystemOf({ ...FAKE_MOUNT, stats: null }).error).toBe('unreadable');
  });

  it('read-only when the superblock says so, as an ext4 remounted after errors', () => {
    expect(filesystemOf({ ...FAKE_MOUNT, options: ['rw'], superOptions: ['ro', 'errors=remount-ro'] }).readonly).toBe(true);
    expect(filesystemOf({ ...FAKE_MOUNT, options: ['rw'], superOptions: ['rw'] }).readonly).toBe(false);
  });

  it('applies the mount point, fstype and device exclusions', async () => {
    const fake = createFakeSource();
    const config = parseConfig({ collectors: { disk: { mountPointsExclude: '^/$', devicesExclude: '^sda$' } } }, 'test');
    const collector = createDiskCollector(fake.source, config.collectors.disk);
    await collector.collect();
    const sample = await collector.collect();
    expect(sample.data?.filesystems).toEqual([]);
    expect(sample.data?.devices).toEqual([]);
    expect(sample.raw.devices).toEqual([]);
  });

  it('a source without per-device counters: no device rates, and no baseline wait for them', async () => {
    const fake = createFakeSource();
    const source = { ...fake.source, diskStats: async () => null };
    const sample = await createDiskCollector(source, parseConfig({}, 'test').collectors.disk).collect();
    expect(sample.data?.devices).toEqual([]);
    expect(sample.raw.devices).toBeNull();
    expect(sample.data?.filesystems.map((f) => f.mountpoint)).toEqual(['/']);
  });

  it('the first read is a baseline; the next has device rates', async () => {
    const fake = createFakeSource();
    const collector = createDiskCollector(fake.source, parseConfig({}, 'test').collectors.disk);
    expect((await collector.collect()).data).toBeUndefined();
    const sample = await collector.collect();
    expect(fake.reads.diskStats).toBe(2);
    expect(sample.data?.devices).toHaveLength(1);
    expect(sample.data?.devices[0].readBytesPerSecond).toBeGreaterThan(0);
    expect(sample.data?.filesystems.map((f) => f.mountpoint)).toEqual(['/']);
  });
});
