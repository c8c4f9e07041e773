/**
 * A Source whose readings the test controls: counters advance unevenly on every read, so that rates are non-zero and
 * differ from one interval to the next, and any method can be made to throw or hang. For the mapping of real output, use the fixtures and the real sources instead.
 */
import { CPU_MODES, type CpuMode } from '../../agent/events';
import type { CpuCounters, DiskStatsReading, Inventory, MountReading, NetworkReading, PressureReading, Source } from '../../agent/sources/types';

type SourceMethod = Exclude<keyof Source, 'name' | 'close'>;

export interface FakeSourceControls {
  source: Source;
  /** Reads of each method so far. */
  reads: Record<SourceMethod, number>;
  /** A monotonic clock in ms that moves only when the disk counters are read: the disk collector's, for exact rates. */
  diskClock(): number;
  /** Makes a method throw (an Error with this message) or hang forever ('hang'); undefined restores it. */
  fail(method: SourceMethod, how: string | 'hang' | undefined): void;
}

export const FAKE_INVENTORY: Inventory = {
  hostname: 'fake-host',
  uname: { sysname: 'Linux', release: '6.1.0-test', version: '#1 SMP test', machine: 'x86_64', nodename: 'fake-host', domainname: '(none)' },
  distro: 'Test Linux 1',
  platform: 'linux',
  cpuModel: 'Test CPU',
  cpuCores: 2,
  bootTimeSeconds: 1_700_000_000,
};

/**
 * What each CPU's counters gain per read, in ticks (1/100 s), cycling: every mode moves, by a different mix each
 * read, so that a rate taken over the wrong interval or a mode left out of a sum gives a different figure.
 */
const CPU_TICKS_PER_READ: readonly Record<CpuMode, number>[] = [
  { user: 31, nice: 3, system: 12, idle: 40, iowait: 5, irq: 2, softirq: 4, steal: 3 },
  { user: 7, nice: 1, system: 4, idle: 81, iowait: 2, irq: 1, softirq: 1, steal: 3 },
  { user: 55, nice: 9, system: 20, idle: 5, iowait: 1, irq: 3, softirq: 2, steal: 5 },
];
const CPU_TICKS_AT_BOOT: Record<CpuMode, number> = { user: 1000, nice: 20, system: 500, idle: 9000, iowait: 100, irq: 10, softirq: 50, steal: 7 };

/** The same for one block device, with the milliseconds that pass between two reads (busy time stays below them). */
type DiskCounted = 'readsCompleted' | 'sectorsRead' | 'writesCompleted' | 'sectorsWritten' | 'ioTimeMs';
const DISK_PER_READ: readonly { elapsedMs: number; counters: Record<DiskCounted, number> }[] = [
  { elapsedMs: 1000, counters: { readsCompleted: 10, sectorsRead: 200, writesCompleted: 20, sectorsWritten: 400, ioTimeMs: 400 } },
  { elapsedMs: 250, counters: { readsCompleted: 3, sectorsRead: 24, writesCompleted: 1, sectorsWritten: 8, ioTimeMs: 200 } },
  { elapsedMs: 2000, counters: { readsCompleted: 50, sectorsRead: 4000, writesCompleted: 7, sectorsWritten: 56, ioTimeMs: 1500 } },
];

/** Counters after `reads` reads, the CPU's own cycle shifted by `offset` so that no two CPUs move alike. */
function cpuAt(cpu: string, reads: number, offset: number): CpuCounters {
  const ticks = { ...CPU_TICKS_AT_BOOT };
  for (let read = 1; read <= reads; read++) {
    const step = CPU_TICKS_PER_READ[(read + offset) % CPU_TICKS_PER_READ.length]!;
    for (const mode of CPU_MODES) ticks[mode] += step[mode];
  }
  const seconds = Object.fromEntries(CPU_MODES.map((mode) => [mode, ticks[mode] / 100])) as Record<CpuMode, number>;
  return { cpu, seconds, guestSeconds: { user: seconds.user / 4, nice: seconds.nice / 2 } };
}

function diskAt(device: string, reads: number): DiskStatsReading {
  const reading: DiskStatsReading = {
    major: 8, minor: 0, device,
    readsCompleted: 100, readsMerged: 0, sectorsRead: 2000, readTimeMs: 50,
    writesCompleted: 200, writesMerged: 0, sectorsWritten: 4000, writeTimeMs: 80,
    ioNow: reads % 3, ioTimeMs: 1000, ioWeightedTimeMs: 1200,
  };
  for (let read = 1; read <= reads; read++) {
    const { counters } = DISK_PER_READ[read % DISK_PER_READ.length]!;
    for (const [field, gain] of Object.entries(counters) as [DiskCounted, number][]) reading[field] += gain;
  }
  return reading;
}

/** Milliseconds on a monotonic clock at the `reads`-th disk read, each read DISK_PER_READ's elapsedMs after the last. */
function diskClockAt(reads: number): number {
  let ms = 0;
  for (let read = 1; read <= reads; read++) ms += DISK_PER_READ[read % DISK_PER_READ.length]!.elapsedMs;
  return ms;
}

/** One interface whose counters gain a different amount on each read (bytes by 1500 per packet), and PSI totals. */
function networkAt(reads: number): NetworkReading {
  const packets = 1000 + reads * (reads + 1) * 5;
  const counters = { bytes: packets * 1500, packets, errs: reads, drop: 2 * reads, fifo: 0, compressed: 0 };
  return {
    devices: [{ device: 'eth0', receive: { ...counters, frame: 0, multicast: 0 }, transmit: { ...counters, colls: 0, carrier: 0 } }],
    classes: [{ device: 'eth0', operstate: 'up', address: '02:00:00:00:00:01', broadcast: 'ff:ff:ff:ff:ff:ff', duplex: 'full', ifalias: '', flags: 0x1003, mtu: 1500, speed: 1000 }],
  };
}

function pressureAt(reads: number): PressureReading {
  return { cpu: { some: 1_000_000 + reads * 100_000, full: 0 }, memory: { some: reads * 20_000, full: reads * 10_000 }, io: { some: reads * 50_000, full: reads * 40_000 } };
}

export const FAKE_MOUNT: MountReading = {
  device: '/dev/sda1', mountpoint: '/', fstype: 'ext4', options: ['rw', 'relatime'], major: 8, minor: 1,
  stats: { sizeBytes: 100 * 2 ** 30, freeBytes: 40 * 2 ** 30, availBytes: 35 * 2 ** 30, files: 6_000_000, filesFree: 5_000_000 },
};

export function createFakeSource(): FakeSourceControls {
  const reads = { cpu: 0, memory: 0, load: 0, mounts: 0, diskStats: 0, inventory: 0, network: 0, pressure: 0 };
  const failures = new Map<string, string>();
  const guard = <T>(method: keyof typeof reads, value: () => T): Promise<T> => {
    reads[method] += 1;
    const how = failures.get(method);
    if (how === 'hang') return new Promise<T>(() => undefined);
    if (how !== undefined) return Promise.reject(new Error(how));
    return Promise.resolve(value());
  };
  const source: Source = {
    name: 'procfs',
    cpu: () => guard('cpu', () => ({ kind: 'counters' as const, cpus: [cpuAt('0', reads.cpu, 0), cpuAt('1', reads.cpu, 1)] })),
    memory: () =>
      guard('memory', () => ({ MemTotal: 8 * 2 ** 30, MemFree: 2 * 2 ** 30, MemAvailable: 5 * 2 ** 30, Buffers: 2 ** 28, Cached: 2 ** 30, SwapTotal: 2 ** 30, SwapFree: 2 ** 29 })),
    load: () => guard('load', () => ({ load1: 0.5 + reads.load / 100, load5: 0.4, load15: 0.3 })),
    mounts: (include) => guard('mounts', () => [FAKE_MOUNT].filter((m) => include(m.mountpoint, m.fstype))),
    diskStats: () => guard('diskStats', () => [diskAt('sda', reads.diskStats)]),
    inventory: () => guard('inventory', () => FAKE_INVENTORY),
    network: () => guard('network', () => networkAt(reads.network)),
    pressure: () => guard('pressure', () => pressureAt(reads.pressure)),
  };
  return {
    source,
    reads,
    diskClock: () => diskClockAt(reads.diskStats),
    fail: (method, how) => (how === undefined ? failures.delete(method) : failures.set(method, how)),
  };
}
