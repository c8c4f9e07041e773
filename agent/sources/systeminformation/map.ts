/**
 * Pure mappings from systeminformation's results to the source readings. What each si field really is depends on the
 * OS (read from node_modules/systeminformation/lib/{cpu,memory,filesystem,osinfo,network}.js, v5.33): where si fills a field
 * with a constant or a fallback instead of reading it, the mapping leaves it out rather than publish an invention.
 */
import type { Systeminformation } from 'systeminformation';
import type { CpuMode } from '../../events';
import type { CpuReading, Inventory, LoadReading, MemInfo, MountReading, NetworkReading } from '../types';

type Platform = NodeJS.Platform;
type CpuShares = Partial<Record<CpuMode, number>>;

// ---------------------------------------------------------------------------------------------------------------
// CPU

type SiCpuMode = 'user' | 'nice' | 'system' | 'idle' | 'irq';

/** si's percentages (0..100) per mode: over all CPUs, and per core. */
const TOTAL_PERCENT: Record<SiCpuMode, (load: Systeminformation.CurrentLoadData) => number> = {
  user: (load) => load.currentLoadUser,
  nice: (load) => load.currentLoadNice,
  system: (load) => load.currentLoadSystem,
  idle: (load) => load.currentLoadIdle,
  irq: (load) => load.currentLoadIrq,
};
const CORE_PERCENT: Record<SiCpuMode, (core: Systeminformation.CurrentLoadCpuData) => number> = {
  user: (core) => core.loadUser,
  nice: (core) => core.loadNice,
  system: (core) => core.loadSystem,
  idle: (core) => core.loadIdle,
  irq: (core) => core.loadIrq,
};

/**
 * The modes si really measures per OS. si builds on os.cpus() (libuv), which reports irq 0 on macOS and nice 0 on
 * Windows. si's steal is always 0: on Linux its /proc/stat read never matches (the trailing newline makes the line
 * count differ from os.cpus().length), elsewhere it is set to 0. iowait and softirq are dropped by libuv on Linux,
 * from the denominator too.
 */
export function cpuModesFor(platform: Platform): readonly SiCpuMode[] {
  if (platform === 'darwin') return ['user', 'nice', 'system', 'idle'];
  if (platform === 'win32') return ['user', 'system', 'idle', 'irq'];
  return ['user', 'nice', 'system', 'idle', 'irq'];
}

/** si's percent (0..100) as a ratio, kept within 0..1 against floating-point spill (100.00000000000001). */
function percentToRatio(percent: number): number {
  const value = percent / 100;
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function shares<T>(modes: readonly SiCpuMode[], percent: Record<SiCpuMode, (data: T) => number>, data: T): CpuShares {
  const result: CpuShares = {};
  for (const mode of modes) result[mode] = percentToRatio(percent[mode](data));
  return result;
}

/** si.currentLoad() as shares of the interval since the previous call (si keeps that state, module-wide). */
export function mapCurrentLoad(load: Systeminformation.CurrentLoadData, platform: Platform = process.platform): CpuReading {
  const modes = cpuModesFor(platform);
  return {
    kind: 'ratios',
    total: shares(modes, TOTAL_PERCENT, load),
    // si's cores are in os.cpus() order, which is the kernel's CPU numbering.
    cpus: load.cpus.map((core, index) => ({ cpu: String(index), modes: shares(modes, CORE_PERCENT, core) })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Memory

type SiMemField = keyof Systeminformation.MemData;
type MemFields = Readonly<Record<string, SiMemField>>;

/**
 * Linux: si reads /proc/meminfo itself, so these are the kernel's fields (kB x 1024), except that a missing field
 * reads 0 and a kernel without MemAvailable (before 3.14) gets si's free + buffers + cached + slab instead.
 */
const LINUX_MEM: MemFields = {
  MemTotal: 'total',
  MemFree: 'free',
  MemAvailable: 'available',
  Buffers: 'buffers',
  Cached: 'cached',
  Slab: 'slab',
  SReclaimable: 'reclaimable',
  SwapTotal: 'swaptotal',
  SwapFree: 'swapfree',
  Dirty: 'dirty',
  Writeback: 'writeback',
};

/**
 * macOS: total and free are os.totalmem()/os.freemem() (hw.memsize, free pages). available is si's estimate,
 * free + (used - (anonymous - purgeable + wired + compressed)), i.e. what Activity Monitor does not count as used.
 * Swap comes from `sysctl vm.swapusage` (MiB, two decimals). si's buffers/cached/slab are constant 0 there, and its
 * `reclaimable` is the inactive pages, not SReclaimable.
 */
const DARWIN_MEM: MemFields = {
  MemTotal: 'total',
  MemFree: 'free',
  MemAvailable: 'available',
  SwapTotal: 'swaptotal',
  SwapFree: 'swapfree',
};

/**
 * Windows: si's `free` and `available` are both os.freemem(), i.e. GlobalMemoryStatusEx's ullAvailPhys, which is
 * Windows' "Available" (free + zeroed + standby pages), not its free memory: published as MemAvailable only.
 * Swap is the page files (Win32_PageFileUsage, whole MiB).
 */
const WIN32_MEM: MemFields = {
  MemTotal: 'total',
  MemAvailable: 'available',
  SwapTotal: 'swaptotal',
  SwapFree: 'swapfree',
};

/** FreeBSD: hw.realmem and v_free_count; available is si's free + inactive + cache. si never reads swap on the BSDs. */
const FREEBSD_MEM: MemFields = { MemTotal: 'total', MemFree: 'free', MemAvailable: 'available' };

/** OpenBSD, NetBSD, others: si's sysctl names are FreeBSD's, so only the os.totalmem()/os.freemem() fallback holds. */
const OTHER_MEM: MemFields = { MemTotal: 'total', MemFree: 'free' };

export function memFieldsFor(platform: Platform): MemFields {
  switch (platform) {
    case 'linux':
    case 'android':
      return LINUX_MEM;
    case 'darwin':
      return DARWIN_MEM;
    case 'win32':
      return WIN32_MEM;
    case 'freebsd':
      return FREEBSD_MEM;
    default:
      return OTHER_MEM;
  }
}

/** si.mem() under node_exporter's /proc/meminfo names, in whole bytes (macOS swap comes in fractional MiB). */
export function mapMem(mem: Systeminformation.MemData, platform: Platform = process.platform): MemInfo {
  const result: MemInfo = {};
  for (const [name, field] of Object.entries(memFieldsFor(platform))) {
    const value = mem[field];
    if (typeof value === 'number' && Number.isFinite(value)) result[name] = Math.round(value);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Load

/**
 * os.loadavg() rather than si: si's currentLoad().avgLoad is the largest of the three averages divided by the core
 * count and rounded to 2 decimals, so neither node_load1 nor 5 nor 15. os.loadavg() is the kernel's own triple on every
 * Unix; on Windows, which has no load average, it is [0, 0, 0] and so are these.
 */
export function mapLoad(loadavg: readonly number[]): LoadReading {
  const [load1 = 0, load5 = 0, load15 = 0] = loadavg;
  return { load1, load5, load15 };
}

// ---------------------------------------------------------------------------------------------------------------
// Filesystems

const BSDS: readonly Platform[] = ['freebsd', 'openbsd', 'netbsd'];

/**
 * Whether si's `rw` says anything. null: si found no mount table. On Linux and macOS si only looks up mount-table
 * lines whose device starts with "/" and reports `false` for every other device (overlay, tmpfs, server:/export),
 * so there `false` means "unknown" unless the device is a path.
 */
function rwKnown(fs: Systeminformation.FsSizeData, platform: Platform): fs is Systeminformation.FsSizeData & { rw: boolean } {
  if (fs.rw === null || fs.rw === undefined) return false;
  return platform === 'win32' || BSDS.includes(platform) || fs.fs.startsWith('/');
}

/** si keeps the mount table's type on macOS except apfs/hfs/nfs, which it upper-cases: back to statfs's names. */
function fstypeOf(fs: Systeminformation.FsSizeData, platform: Platform): string {
  return platform === 'darwin' ? fs.type.toLowerCase() : fs.type;
}

/**
 * si.fsSize() (df -kP, or Win32_LogicalDisk) as mounts. free = size - used, as df's "Used" is blocks - bfree; sizes
 * are whole KiB. si has no inode counts nor device numbers: files, filesFree, major and minor are left out (a 0 would
 * read as a real "no fixed inode count" or device 0:0). options is ["ro"] or ["rw"], or [] where si cannot tell.
 */
export function mapFsSize(
  list: readonly Systeminformation.FsSizeData[],
  include: (mountpoint: string, fstype: string) => boolean,
  platform: Platform = process.platform,
): MountReading[] {
  const mounts: MountReading[] = [];
  for (const fs of list) {
    const fstype = fstypeOf(fs, platform);
    if (!include(fs.mount, fstype)) continue;
    mounts.push({
      device: fs.fs,
      mountpoint: fs.mount,
      fstype,
      options: rwKnown(fs, platform) ? [fs.rw ? 'rw' : 'ro'] : [],
      stats: { sizeBytes: fs.size, freeBytes: Math.max(0, fs.size - fs.used), availBytes: fs.available },
    });
  }
  return mounts;
}

// ---------------------------------------------------------------------------------------------------------------
// Inventory

/** What Node's os module says of the host: uname(2) and the hostname, exactly, where si would reformat them. */
export interface HostFacts {
  sysname: string;
  release: string;
  version: string;
  machine: string;
  hostname: string;
  platform: Platform;
}

export function mapInventory(
  osInfo: Systeminformation.OsData,
  cpu: Systeminformation.CpuData,
  time: Systeminformation.TimeData,
  host: HostFacts,
): Inventory {
  return {
    hostname: host.hostname,
    uname: {
      sysname: host.sysname,
      release: host.release,
      version: host.version,
      machine: host.machine,
      nodename: host.hostname,
      // Node has no getdomainname(); "(none)" is what Linux reports when none is set.
      domainname: '(none)',
    },
    distro: [osInfo.distro, osInfo.release].filter(Boolean).join(' '),
    platform: host.platform,
    cpuModel: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' '),
    cpuCores: cpu.cores,
    // time.current and time.uptime are read together, so their difference is the boot time to within a second.
    bootTimeSeconds: Math.round(time.current / 1000 - time.uptime),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Network

/**
 * si.networkStats() per interface: absolute counters since the interface came up, read on Linux from
 * /sys/class/net/<iface>/{operstate,statistics/*}, on macOS from `netstat -bdnI` (whose one Drop column si copies into
 * both directions: no drop figure there) and `ifconfig`'s status, on Windows from Get-NetAdapterStatistics. On the BSDs
 * si sums netstat's lines of every address of an interface, counting its traffic once per address: nothing is taken.
 */
export function mapNetworkStats(stats: readonly Systeminformation.NetworkStatsData[], platform: Platform = process.platform): NetworkReading {
  const errorsAndDrops = platform === 'linux' || platform === 'win32';
  const operstate = platform === 'linux' || platform === 'darwin';
  if (!errorsAndDrops && platform !== 'darwin') return { devices: [], classes: null };
  // A field si could not read is NaN or missing: that column is left out rather than published as 0.
  const columns = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v) && v >= 0));
  const pick = (bytes: number, errs: number, drop: number) => columns(errorsAndDrops ? { bytes, errs, drop } : { bytes, errs });
  return {
    devices: stats.map((s) => ({
      device: s.iface,
      receive: pick(s.rx_bytes, s.rx_errors, s.rx_dropped),
      transmit: pick(s.tx_bytes, s.tx_errors, s.tx_dropped),
    })),
    classes: operstate ? stats.map((s) => ({ device: s.iface, operstate: s.operstate })) : null,
  };
}
