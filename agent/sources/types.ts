/**
 * What a source reads from the host, before any derivation. Counters are the kernel's absolute values since boot
 * (node_exporter's semantics); a source that cannot give a quantity faithfully leaves it out rather than inventing it.
 */
import type { CpuMode } from '../events';

/** One logical CPU's time in each mode since boot, in seconds (/proc/stat ticks / USER_HZ). */
export interface CpuCounters {
  cpu: string;
  seconds: Record<CpuMode, number>;
  /** Time spent running guests, already included in user and nice by the kernel. */
  guestSeconds: { user: number; nice: number };
}

/** The kernel-wide lines of /proc/stat beside the CPU lines: node_exporter's stat collector. */
export interface KernelStat {
  /** Interrupts serviced since boot: the first field of the intr line (the sum of all). */
  interrupts: number;
  /** The ctxt line. */
  contextSwitches: number;
  /** The processes line: processes and threads created since boot. */
  forks: number;
  /** Gauges: runnable tasks and tasks blocked on I/O now. */
  procsRunning: number;
  procsBlocked: number;
}

export type CpuReading =
  /** Absolute counters per CPU (procfs), and the kernel-wide counters read from the same /proc/stat. */
  | { kind: 'counters'; cpus: CpuCounters[]; stat?: KernelStat }
  /** Shares of the last interval, computed by the source itself (systeminformation): no counter to export. */
  | {
      kind: 'ratios';
      total: Partial<Record<CpuMode, number>>;
      cpus: { cpu: string; modes: Partial<Record<CpuMode, number>> }[];
    };

/**
 * /proc/meminfo as node_exporter names it: key = field with "(x)" turned into "_x" (Active(anon) -> Active_anon),
 * value in bytes (kB x 1024), or a plain count for fields without a unit (HugePages_Total).
 */
export type MemInfo = Record<string, number>;

export interface LoadReading {
  load1: number;
  load5: number;
  load15: number;
}

/** A mounted filesystem and what statfs said of it. */
export interface MountReading {
  device: string;
  mountpoint: string;
  fstype: string;
  /** Mount options (the per-mount ones of mountinfo's field 6), e.g. ["rw", "relatime"]. */
  options: string[];
  /**
   * Superblock options (mountinfo's last field), where the source has them. A filesystem the kernel remounted
   * read-only after errors shows "ro" only here (per-mount options stay "rw"); node_exporter's
   * node_filesystem_readonly is 1 when either list has "ro" (its issue #3157).
   */
  superOptions?: string[];
  /** The device numbers, where the source has them (systeminformation has not). */
  major?: number;
  minor?: number;
  stats: {
    sizeBytes: number;
    freeBytes: number;
    availBytes: number;
    /** Inodes, where the source has them (systeminformation has not); 0 where the filesystem has no fixed count. */
    files?: number;
    filesFree?: number;
  } | null;
  /** Why stats is null: statfs failed or timed out. */
  error?: string;
}

/** One line of /proc/diskstats. Fields newer kernels add are absent on older ones. */
export interface DiskStatsReading {
  major: number;
  minor: number;
  device: string;
  readsCompleted: number;
  readsMerged: number;
  sectorsRead: number;
  readTimeMs: number;
  writesCompleted: number;
  writesMerged: number;
  sectorsWritten: number;
  writeTimeMs: number;
  ioNow: number;
  ioTimeMs: number;
  ioWeightedTimeMs: number;
  /** Kernel 4.18+ (18 columns and more). */
  discardsCompleted?: number;
  discardsMerged?: number;
  sectorsDiscarded?: number;
  discardTimeMs?: number;
  /** Kernel 5.5+ (20 columns). */
  flushRequests?: number;
  flushTimeMs?: number;
}

/** The receive columns of /proc/net/dev, in file order (the kernel's names, as node_exporter's netdev names them). */
export const NETDEV_RECEIVE = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'] as const;
/** The transmit columns. */
export const NETDEV_TRANSMIT = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'] as const;

/**
 * One interface's counters since it came up. Every column with procfs; a source that has only some (systeminformation
 * has bytes, errors and drops) leaves the others out.
 */
export interface NetDevReading {
  device: string;
  receive: Partial<Record<(typeof NETDEV_RECEIVE)[number], number>>;
  transmit: Partial<Record<(typeof NETDEV_TRANSMIT)[number], number>>;
}

/**
 * What /sys/class/net/<device>/ says of an interface (node_exporter's netclass): each attribute where readable (a
 * virtual device refuses speed and duplex with EINVAL), the text trimmed.
 */
export interface NetClassReading {
  device: string;
  operstate?: string;
  address?: string;
  broadcast?: string;
  duplex?: string;
  ifalias?: string;
  /** The IFF_* flags (the file holds them in hex). */
  flags?: number;
  mtu?: number;
  /** Mbit/s as the driver reports it; -1 where the link's speed is unknown. */
  speed?: number;
}

export interface NetworkReading {
  devices: NetDevReading[];
  /** null where the source has no /sys/class/net (systeminformation, a container without sysfs). */
  classes: NetClassReading[] | null;
}

/** Totals of one /proc/pressure/<resource> file, in microseconds since boot. */
export interface PsiTotals {
  /** Time some tasks were stalled on the resource; absent for irq, which has only full. */
  some?: number;
  /** Time all non-idle tasks were stalled at once; absent for cpu on kernels before 5.13. */
  full?: number;
}

/** Linux PSI per resource; a resource the kernel does not report (all of them without CONFIG_PSI) is absent. */
export type PressureReading = Partial<Record<'cpu' | 'memory' | 'io' | 'irq', PsiTotals>>;

/** Host facts read once at start. */
export interface Inventory {
  hostname: string;
  /** uname(2) fields, for node_uname_info. */
  uname: { sysname: string; release: string; version: string; machine: string; nodename: string; domainname: string };
  distro: string;
  platform: string;
  cpuModel: string;
  cpuCores: number;
  /** Host boot time, seconds since the Unix epoch. */
  bootTimeSeconds: number;
}

/**
 * Where samples come from. Every method reads the host afresh. State kept between calls: the systeminformation
 * source's CPU ratios (the library computes them between calls), and the procfs source's set of mounts whose
 * statfs has not returned yet (not called again until it does).
 */
export interface Source {
  readonly name: 'procfs' | 'systeminformation';
  cpu(): Promise<CpuReading>;
  memory(): Promise<MemInfo>;
  load(): Promise<LoadReading>;
  /** Mounts that `include` accepts, each with statfs (excluded ones are never statfs'd: a dead NFS mount can hang). */
  mounts(include: (mountpoint: string, fstype: string) => boolean): Promise<MountReading[]>;
  /** null where the source has no per-device I/O counters. */
  diskStats(): Promise<DiskStatsReading[] | null>;
  inventory(): Promise<Inventory>;
  /** Per-interface counters, and the interface facts where the source has them. */
  network(): Promise<NetworkReading>;
  /** Pressure stall totals; empty where the kernel (or the OS) has none. */
  pressure(): Promise<PressureReading>;
  /** Releases what the source keeps open (the procfs source's file descriptors); called once on agent stop. */
  close?(): void;
}
