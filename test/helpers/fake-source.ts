/**
 * A Source whose readings the test controls: counters advance on every read so rates are non-zero, and any method
 * can be made to throw or hang. For the mapping of real output, use the fixtures and the real sources instead.
 */
import type { CpuCounters, DiskStatsReading, Inventory, MountReading, Source } from '../../agent/sources/types';

type SourceMethod = Exclude<keyof Source, 'name' | 'close'>;

export interface FakeSourceControls {
  source: Source;
  /** Reads of each method so far. */
  reads: Record<SourceMethod, number>;
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

function cpuAt(cpu: string, step: number): CpuCounters {
  return {
    cpu,
    seconds: { user: 10 + step * 0.3, nice: 0, system: 5 + step * 0.1, idle: 100 + step * 0.6, iowait: 1, irq: 0, softirq: 0.5, steal: 0 },
    guestSeconds: { user: 0, nice: 0 },
  };
}

function diskAt(device: string, step: number): DiskStatsReading {
  return {
    major: 8, minor: 0, device,
    readsCompleted: 100 + step * 10, readsMerged: 0, sectorsRead: 2000 + step * 200, readTimeMs: 50,
    writesCompleted: 200 + step * 20, writesMerged: 0, sectorsWritten: 4000 + step * 400, writeTimeMs: 80,
    ioNow: 0, ioTimeMs: 1000 + step * 100, ioWeightedTimeMs: 1200,
  };
}

export const FAKE_MOUNT: MountReading = {
  device: '/dev/sda1', mountpoint: '/', fstype: 'ext4', options: ['rw', 'relatime'], major: 8, minor: 1,
  stats: { sizeBytes: 100 * 2 ** 30, freeBytes: 40 * 2 ** 30, availBytes: 35 * 2 ** 30, files: 6_000_000, filesFree: 5_000_000 },
};

export function createFakeSource(): FakeSourceControls {
  const reads = { cpu: 0, memory: 0, load: 0, mounts: 0, diskStats: 0, inventory: 0 };
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
    cpu: () => guard('cpu', () => ({ kind: 'counters' as const, cpus: [cpuAt('0', reads.cpu), cpuAt('1', reads.cpu)] })),
    memory: () =>
      guard('memory', () => ({ MemTotal: 8 * 2 ** 30, MemFree: 2 * 2 ** 30, MemAvailable: 5 * 2 ** 30, Buffers: 2 ** 28, Cached: 2 ** 30, SwapTotal: 2 ** 30, SwapFree: 2 ** 29 })),
    load: () => guard('load', () => ({ load1: 0.5 + reads.load / 100, load5: 0.4, load15: 0.3 })),
    mounts: (include) => guard('mounts', () => [FAKE_MOUNT].filter((m) => include(m.mountpoint, m.fstype))),
    diskStats: () => guard('diskStats', () => [diskAt('sda', reads.diskStats)]),
    inventory: () => guard('inventory', () => FAKE_INVENTORY),
  };
  return {
    source,
    reads,
    fail: (method, how) => (how === undefined ? failures.delete(method) : failures.set(method, how)),
  };
}
