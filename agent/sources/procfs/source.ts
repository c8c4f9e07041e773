/**
 * The Linux source: async reads of procfs and statfs(2) per mount, no child process. Parsing lives in parse.ts.
 */
import * as os from 'os';
import { closeSync, constants, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseBootTime,
  parseCpuinfoModel,
  parseDiskstats,
  parseKernelStat,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseNetDev,
  parseOsRelease,
  parsePressure,
  parseStat,
  type MountinfoEntry,
} from './parse';
import type { Inventory, MountReading, NetClassReading, PressureReading, Source } from '../types';
import { openProcFile, readCapped, type ProcFile } from './proc-file';
import { createMountStatfs } from './mount-statfs';
import { statfsLanes, type StatfsResult } from './statfs-thread';
import { createProcessTable, systemPageBytes } from './process-table';

export type { StatfsResult } from './statfs-thread';

/**
 * Clock ticks per second of /proc/stat. The kernel always reports USER_HZ = 100 to user space on the
 * architectures Linux runs on today; node_exporter (procfs's userHZ) assumes the same rather than calling sysconf.
 */
const USER_HZ = 100;

/**
 * statfs lanes at most, stuck ones included: each mount whose statfs hangs holds one (the first a thread of libuv's
 * pool, the others a worker of about 12 MB) until its call returns, so 7 dead mounts still leave one for the healthy ones.
 */
const STATFS_THREADS = 8;

export interface ProcfsSourceOptions {
  /** Where procfs is mounted; tests point it at a fixture tree. Default '/proc'. */
  root?: string;
  /**
   * Where the host's / is mounted (node_exporter's --path.rootfs): each mount point is statfs'd under it, and
   * reported with its own path. Default '/'.
   */
  rootfs?: string;
  /**
   * How long one statfs may take before its mount is reported with an error instead of stats.
   * Default 5000, node_exporter's --collector.filesystem.mount-timeout.
   */
  mountTimeoutMs?: number;
  /**
   * statfs(2) of a mountpoint, called one at a time per thread; injectable so that tests can simulate a hung or
   * failing mount. Default fs.statfs on libuv's pool, and on worker threads while it is held (statfs-thread.ts).
   */
  statfs?: (path: string) => Promise<StatfsResult>;
  /** Where sysfs is mounted (node_exporter's --path.sysfs): /sys/class/net is read under it. Default '/sys'. */
  sysfsRoot?: string;
  /** os-release(5) files, first readable wins. Default the real /etc/os-release, then /usr/lib/os-release. */
  osReleasePaths?: string[];
  /** Bytes per page, the unit of a process's rss in its stat. Default this kernel's (see systemPageBytes). */
  pageBytes?: number;
}

const DEFAULT_OS_RELEASE = ['/etc/os-release', '/usr/lib/os-release'];

/** The PSI resources node_exporter's pressure collector reads (irq since kernel 6.1). */
const PSI_RESOURCES = ['cpu', 'memory', 'io', 'irq'] as const;

/**
 * The errors of a /proc/pressure file that mean "no PSI here", not a failure: no file (a kernel before 4.20, or
 * without CONFIG_PSI; irq before 6.1) and EOPNOTSUPP (CONFIG_PSI built in but off, psi=0 on the command line).
 */
const NO_PSI = new Set(['ENOENT', 'EOPNOTSUPP', 'ENOTSUP']);

/** The /sys/class/net/<device>/ attributes read, text ones and numeric ones (sysfs writes flags in hex: "0x1003"). */
const NETCLASS_TEXT = ['operstate', 'address', 'broadcast', 'duplex', 'ifalias'] as const;
const NETCLASS_NUMBERS = ['flags', 'mtu', 'speed'] as const;
/** A sysfs attribute is at most a page. */
const attributeBuffer = Buffer.allocUnsafe(4096);

/**
 * One sysfs attribute, trimmed, or undefined where it cannot be read: a virtual device answers speed and duplex with
 * EINVAL, an interface removed mid-read with ENODEV or ENOENT; node_exporter (procfs' canIgnoreError) skips these too.
 * Synchronous, as proc-file.ts reads procfs: the kernel writes the page at once, with no disk to wait on, and eight
 * reads per interface through the thread pool cost some 50 times the CPU.
 */
function readAttribute(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return attributeBuffer.toString('utf8', 0, readSync(fd, attributeBuffer, 0, attributeBuffer.length, 0)).trim();
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Every attribute of one interface that is readable. */
function readNetClass(dir: string, device: string): NetClassReading {
  const reading: NetClassReading = { device };
  for (const name of NETCLASS_TEXT) {
    const text = readAttribute(join(dir, name));
    if (text !== undefined) reading[name] = text;
  }
  for (const name of NETCLASS_NUMBERS) {
    // Number() reads both "1400" and "0x1003" (and "" as 0: hence the check); an odd value is left out.
    const text = readAttribute(join(dir, name));
    const value = text ? Number(text) : NaN;
    if (Number.isInteger(value)) reading[name] = value;
  }
  return reading;
}

/** Every error given here is an Error: the file system's (with its errno code) or a parser's. */
function reason(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  return typeof code === 'string' ? code : message;
}

/**
 * Caps on what one read may bring in (a file past its cap fails the sample). The fixed files (stat, meminfo,
 * loadavg, diskstats) are a few KB; stat's intr line and diskstats grow with a large server's interrupts and devices,
 * hence room to 512 KiB. mountinfo and cpuinfo grow with mounts and CPUs: 4 MiB holds some 20,000 mounts of a
 * Kubernetes node (about 200 bytes each) or cpuinfo of 2,000 CPUs.
 */
const FIXED_FILE_MAX_BYTES = 512 * 1024;
const GROWING_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** A file read once (os-release, cpuinfo, domainname): each caller falls back on any failure, so none is wrapped. */
const readOnce = (path: string): Promise<string> => readCapped(path, GROWING_FILE_MAX_BYTES);

/** Reads and parses one file; a parse failure names the file too. */
async function readParsed<T>(path: string, parse: (text: string) => T, readFile: (path: string) => Promise<string>): Promise<T> {
  const text = await readFile(path);
  try {
    return parse(text);
  } catch (err) {
    throw new Error(`couldn't parse ${path}: ${reason(err)}`, { cause: err });
  }
}

/** Stacked mounts on one mountpoint: only the last mounted is visible, so statfs(mountpoint) describes it. */
function visibleMounts(entries: MountinfoEntry[]): MountinfoEntry[] {
  const byMountpoint = new Map<string, MountinfoEntry>();
  for (const entry of entries) {
    byMountpoint.delete(entry.mountpoint); // re-insert so that the order is that of the visible mounts
    byMountpoint.set(entry.mountpoint, entry);
  }
  return [...byMountpoint.values()];
}

export function createProcfsSource(options: ProcfsSourceOptions = {}): Source {
  const root = options.root ?? '/proc';
  const rootfs = options.rootfs ?? '/';
  const sysfsRoot = options.sysfsRoot ?? '/sys';
  const mountTimeoutMs = options.mountTimeoutMs ?? 5000;
  const injected = options.statfs;
  const mountStatfs = createMountStatfs({
    timeoutMs: mountTimeoutMs,
    maxThreads: STATFS_THREADS,
    startThread: injected ? () => ({ ready: Promise.resolve(), statfs: injected, close: () => undefined }) : statfsLanes(),
  });
  const osReleasePaths = options.osReleasePaths ?? DEFAULT_OS_RELEASE;
  const processTable = createProcessTable({ root, rootfs, pageBytes: options.pageBytes ?? systemPageBytes(), userHz: USER_HZ });

  /** The files read on every sample, each kept open (see proc-file.ts). */
  const hotFiles = new Map<string, ProcFile>();
  const readHot = (maxBytes: number) => async (path: string): Promise<string> => {
    let file = hotFiles.get(path);
    if (!file) hotFiles.set(path, (file = openProcFile(path, maxBytes)));
    try {
      return file.read();
    } catch (err) {
      throw new Error(`couldn't read ${path}: ${reason(err)}`, { cause: err });
    }
  };
  const readFixed = readHot(FIXED_FILE_MAX_BYTES);
  const readGrowing = readHot(GROWING_FILE_MAX_BYTES);

  async function readMountinfo(): Promise<MountinfoEntry[]> {
    // PID 1's view is the host's when we run in a container with the host's /proc; hidepid hides it, then self.
    try {
      return parseMountinfo(await readGrowing(`${root}/1/mountinfo`));
    } catch {
      return readParsed(`${root}/self/mountinfo`, parseMountinfo, readGrowing);
    }
  }

  /** The interfaces of /sys/class/net (symlinks to their device; a regular file there, bonding_masters, is none). */
  async function readNetClasses(): Promise<NetClassReading[] | null> {
    const dir = join(sysfsRoot, 'class/net');
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return null; // no sysfs here (a container without /sys): no interface facts, as node_exporter's ErrNoData
    }
    const devices = entries.filter((entry) => !entry.isFile()).map((entry) => entry.name);
    return devices.map((device) => readNetClass(join(dir, device), device));
  }

  async function readDistro(): Promise<string> {
    for (const path of osReleasePaths) {
      try {
        const pretty = parseOsRelease(await readOnce(path)).PRETTY_NAME;
        if (pretty) return pretty;
      } catch {
        // try the next file, then fall back to the kernel's name
      }
    }
    return os.type();
  }

  async function readDomainname(): Promise<string> {
    try {
      return (await readOnce(`${root}/sys/kernel/domainname`)).trim() || '(none)';
    } catch {
      return '(none)'; // what the kernel itself reports when no NIS domain is set
    }
  }

  async function readCpuModel(): Promise<string> {
    try {
      const model = parseCpuinfoModel(await readOnce(`${root}/cpuinfo`));
      if (model) return model;
    } catch {
      // fall back below
    }
    return os.cpus()[0]?.model ?? 'unknown';
  }

  return {
    name: 'procfs',

    async cpu() {
      // One read of /proc/stat for both: the CPU lines and the kernel-wide counters are of the same moment.
      const parse = (text: string) => ({ cpus: parseStat(text, USER_HZ), stat: parseKernelStat(text) });
      return { kind: 'counters', ...(await readParsed(`${root}/stat`, parse, readFixed)) };
    },

    memory: () => readParsed(`${root}/meminfo`, parseMeminfo, readFixed),

    load: () => readParsed(`${root}/loadavg`, parseLoadavg, readFixed),

    diskStats: () => readParsed(`${root}/diskstats`, parseDiskstats, readFixed),

    async network() {
      const [devices, classes] = await Promise.all([readParsed(`${root}/net/dev`, parseNetDev, readFixed), readNetClasses()]);
      return { devices, classes };
    },

    async pressure() {
      const reading: PressureReading = {};
      await Promise.all(
        PSI_RESOURCES.map(async (resource) => {
          const path = `${root}/pressure/${resource}`;
          try {
            reading[resource] = await readParsed(path, parsePressure, readFixed);
          } catch (err) {
            const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
            if (!NO_PSI.has(code ?? '')) throw err;
          }
        }),
      );
      return reading;
    },

    close() {
      // A file read after this opens again (proc-file.ts): the map may keep them.
      for (const file of hotFiles.values()) file.close();
      mountStatfs.close();
    },

    async mounts(include) {
      // Filter after de-duplication: a hidden mount under an excluded one must not be statfs'd in its place.
      const kept = visibleMounts(await readMountinfo()).filter((m) => include(m.mountpoint, m.fstype));
      return Promise.all(
        kept.map(async (m): Promise<MountReading> => {
          const { major, minor, mountpoint, device, fstype, options: mountOptions, superOptions } = m;
          const base = { device, mountpoint, fstype, options: mountOptions, superOptions, major, minor };
          return { ...base, ...(await mountStatfs.stat(join(rootfs, mountpoint))) };
        }),
      );
    },

    async inventory(): Promise<Inventory> {
      const [stat, distro, domainname, cpuModel] = await Promise.all([
        readParsed(`${root}/stat`, (text) => ({
          cpuCores: parseStat(text, USER_HZ).length,
          bootTimeSeconds: parseBootTime(text),
        }), readFixed),
        readDistro(),
        readDomainname(),
        readCpuModel(),
      ]);
      const hostname = os.hostname();
      return {
        hostname,
        uname: {
          sysname: os.type(),
          release: os.release(),
          version: os.version(),
          machine: os.machine(),
          nodename: hostname,
          domainname,
        },
        distro,
        platform: 'linux',
        cpuModel,
        ...stat,
      };
    },

    processes: (pick) => processTable.read(pick),
  };
}
