/**
 * Pure parsers of Linux procfs text: no I/O, one function per file format, so that unit tests call them on
 * captured fixtures (as node_exporter keeps `parseLoad(text)` apart from `getLoad()`).
 */
import type { CpuMode } from '../../events';
import { NETDEV_RECEIVE, NETDEV_TRANSMIT, type CpuCounters, type DiskStatsReading, type KernelStat, type LoadReading, type MemInfo, type NetDevReading, type PsiTotals } from '../types';

/** Column order of a /proc/stat cpu line after its name (proc(5)); guest columns follow these eight. */
const STAT_MODES: readonly CpuMode[] = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
const STAT_COLUMNS = STAT_MODES.length + 2; // + guest, guest_nice

function lines(text: string): string[] {
  return text.split('\n');
}

/** How an error names a line of a file that cannot be right: its number and the start of its text. */
function lineAt(text: string, index: number): string {
  return `line ${index + 1} ${JSON.stringify((lines(text)[index] ?? '').slice(0, 80))}`;
}

/** `field` comes from a split on whitespace, so it is never empty (where Number('') would give 0). */
function toNumber(field: string, context: string): number {
  const n = Number(field);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(field)} in ${context}`);
  return n;
}

/**
 * Per-CPU lines of /proc/stat (`cpuN`; the aggregate `cpu` line is left out) as seconds since boot.
 * Lines are kept in file order, by kernel number: an offline CPU simply has no line (cpu0, cpu2).
 * Old kernels print fewer columns (steal since 2.6.11, guest 2.6.24, guest_nice 2.6.33): missing ones count as 0.
 */
export function parseStat(text: string, userHz = 100): CpuCounters[] {
  const cpus: CpuCounters[] = [];
  for (const line of lines(text)) {
    // Before splitting: the `intr` line holds a counter per interrupt, thousands of fields on a large server.
    if (!line.startsWith('cpu')) continue;
    const fields = line.trim().split(/\s+/);
    const match = /^cpu(\d+)$/.exec(fields[0] ?? '');
    if (!match) continue;
    const ticks = Array.from({ length: STAT_COLUMNS }, (_, i) => {
      const field = fields[i + 1];
      return field === undefined ? 0 : toNumber(field, `/proc/stat line ${JSON.stringify(line)}`);
    });
    const seconds = {} as Record<CpuMode, number>;
    STAT_MODES.forEach((mode, i) => (seconds[mode] = ticks[i]! / userHz));
    cpus.push({
      cpu: match[1]!,
      seconds,
      guestSeconds: { user: ticks[8]! / userHz, nice: ticks[9]! / userHz },
    });
  }
  // Every running kernel has a CPU: a stat without one is not a stat file (and would read as a host with no CPU).
  if (cpus.length === 0) throw new Error(`no cpuN line (${lineAt(text, 0)})`);
  return cpus;
}

/** The `btime` line of /proc/stat: boot time in seconds since the Unix epoch. */
export function parseBootTime(text: string): number {
  for (const line of lines(text)) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'btime' && fields[1] !== undefined) return toNumber(fields[1], '/proc/stat btime');
  }
  throw new Error('no btime line in /proc/stat');
}

/** The /proc/stat lines of KernelStat, by their first field. */
const KERNEL_STAT_LINES = { intr: 'interrupts', ctxt: 'contextSwitches', processes: 'forks', procs_running: 'procsRunning', procs_blocked: 'procsBlocked' } as const;

/**
 * The kernel-wide lines of /proc/stat, as node_exporter's stat collector reads them: of `intr` only its first field,
 * the total (the rest are per-interrupt counts). Every kernel since 2.6 prints all five: a missing one throws.
 */
export function parseKernelStat(text: string): KernelStat {
  const stat: Partial<KernelStat> = {};
  for (const line of lines(text)) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space) as keyof typeof KERNEL_STAT_LINES;
    if (space < 0 || !Object.hasOwn(KERNEL_STAT_LINES, key)) continue;
    // Only the first field: the intr line holds thousands on a large server.
    const field = line.slice(space + 1).trimStart().split(' ', 1)[0]!;
    stat[KERNEL_STAT_LINES[key]] = toNumber(field, `/proc/stat ${key}`);
  }
  const missing = Object.entries(KERNEL_STAT_LINES).filter(([, name]) => stat[name] === undefined);
  if (missing.length > 0) throw new Error(`no ${missing.map(([key]) => key).join(', ')} line in /proc/stat`);
  return stat as KernelStat;
}

/**
 * /proc/net/dev: two header lines, then `name: 8 receive and 8 transmit counters`. The name is right-aligned in 6
 * columns and a large first counter follows the colon with no space ("eth0:225915517"); a name may itself hold a colon
 * or a dot (an interface renamed "a:b", a VLAN "eth0.100"), so the name ends at the last colon before the counters.
 * A line that does not read so (or a header a future kernel changed) is skipped, never a reading of zeros.
 */
export function parseNetDev(text: string): NetDevReading[] {
  const readings: NetDevReading[] = [];
  for (const line of lines(text)) {
    const match = /^\s*(.+):\s*(\d+(?:\s+\d+){15})\s*$/.exec(line);
    if (!match) continue;
    const counters = match[2]!.split(/\s+/).map(Number);
    const column = (names: readonly string[], offset: number) => Object.fromEntries(names.map((name, i) => [name, counters[offset + i]!]));
    readings.push({ device: match[1]!, receive: column(NETDEV_RECEIVE, 0), transmit: column(NETDEV_TRANSMIT, NETDEV_RECEIVE.length) });
  }
  return readings;
}

/**
 * One /proc/pressure/<resource> file: `some avg10=.. avg60=.. avg300=.. total=<us>` and `full ...` lines (cpu has no
 * full line before 5.13, irq has only full). Of each line the total, in microseconds; a file without either throws.
 */
export function parsePressure(text: string): PsiTotals {
  const totals: PsiTotals = {};
  for (const line of lines(text)) {
    const match = /^(some|full) .*\btotal=(\d+)\s*$/.exec(line);
    if (match) totals[match[1] as 'some' | 'full'] = Number(match[2]);
  }
  if (totals.some === undefined && totals.full === undefined) throw new Error(`no some or full line (${lineAt(text, 0)})`);
  return totals;
}

/**
 * /proc/meminfo with node_exporter's keys: `Active(anon)` -> `Active_anon` (its regexp `\((.*)\)` -> `_$1`).
 * Values with the kB unit (which the kernel means as KiB) are turned into bytes; unitless fields (HugePages_*)
 * stay counts. Lines that do not read as `Key: number [kB]` are skipped: one odd line must not lose the rest; a file
 * without a positive MemTotal throws.
 */
export function parseMeminfo(text: string): MemInfo {
  const info: MemInfo = {};
  for (const line of lines(text)) {
    const match = /^([^:\s]+):\s*(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!match) continue;
    const key = match[1]!.replace(/\((.*)\)/, '_$1');
    const value = Number(match[2]);
    info[key] = match[3] === 'kB' ? value * 1024 : value;
  }
  // The kernel always prints MemTotal first, and no host has none: without it the figures would read as 0 B.
  if (!(info.MemTotal! > 0)) {
    const at = lines(text).findIndex((line) => line.startsWith('MemTotal:'));
    throw new Error(at < 0 ? `no MemTotal line (${lineAt(text, 0)})` : `MemTotal is not a positive size (${lineAt(text, at)})`);
  }
  return info;
}

/** /proc/loadavg: the first three fields (1, 5 and 15 minute averages). */
export function parseLoadavg(text: string): LoadReading {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 3) throw new Error(`unexpected content in /proc/loadavg: ${JSON.stringify(text)}`);
  const [load1, load5, load15] = fields.slice(0, 3).map((f) => toNumber(f, '/proc/loadavg'));
  // Averages of counts of tasks: a negative one is no reading (and the load event's schema refuses it).
  if ([load1, load5, load15].some((load) => load! < 0)) throw new Error(`negative load average (${lineAt(text, 0)})`);
  return { load1: load1!, load5: load5!, load15: load15! };
}

/** Counter names of /proc/diskstats in column order after major, minor, device (iostats.rst). */
const DISKSTATS_FIELDS = [
  'readsCompleted',
  'readsMerged',
  'sectorsRead',
  'readTimeMs',
  'writesCompleted',
  'writesMerged',
  'sectorsWritten',
  'writeTimeMs',
  'ioNow',
  'ioTimeMs',
  'ioWeightedTimeMs',
  // Kernel 4.18+: 18 columns.
  'discardsCompleted',
  'discardsMerged',
  'sectorsDiscarded',
  'discardTimeMs',
  // Kernel 5.5+: 20 columns.
  'flushRequests',
  'flushTimeMs',
] as const satisfies readonly (keyof DiskStatsReading)[];

/**
 * /proc/diskstats, one reading per device line. A line is read when it has 14 columns (up to 4.17), 18 (4.18+,
 * discards) or 20 (5.5+, flushes); the kernel only ever appends columns, so a line longer than 20 is read for
 * its first 20 rather than losing every disk on a future kernel. Any other count (the 7-column partition lines
 * of 2.6.x kernels, a truncated line) or a non-numeric counter skips that line.
 */
export function parseDiskstats(text: string): DiskStatsReading[] {
  const readings: DiskStatsReading[] = [];
  for (const line of lines(text)) {
    const fields = line.trim().split(/\s+/);
    const columns = fields.length;
    if (columns !== 14 && columns !== 18 && columns < 20) continue;
    const counters = fields.slice(3, 3 + DISKSTATS_FIELDS.length).map(Number);
    const [major, minor] = [Number(fields[0]), Number(fields[1])];
    if (![major, minor, ...counters].every((n) => Number.isInteger(n) && n >= 0)) continue;
    const reading = { major, minor, device: fields[2]! } as DiskStatsReading;
    counters.forEach((value, i) => (reading[DISKSTATS_FIELDS[i]!] = value));
    readings.push(reading);
  }
  return readings;
}

/** One line of /proc/<pid>/mountinfo (proc(5)), with the octal escapes of paths undone. */
export interface MountinfoEntry {
  major: number;
  minor: number;
  mountpoint: string;
  /** The mount source (first field after fstype, e.g. /dev/vda1, tmpfs). */
  device: string;
  fstype: string;
  /** Per-mount options (field 6), e.g. ["rw", "relatime"]. */
  options: string[];
  /** Superblock options (the last field): "ro" here with "rw" per mount means the filesystem itself is read-only. */
  superOptions: string[];
}

/** The kernel writes space, tab, newline and backslash in paths as \ooo (fs/proc_namespace.c, mangle()). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * /proc/<pid>/mountinfo. Fields are split on single spaces, not runs of them, because the mount source can be
 * an empty string (some FUSE mounts) and must not shift the super options into its place. The optional
 * fields (shared:N, master:N, ...) vary in number and end at a lone "-". Malformed lines are skipped; a file
 * without one well-formed line throws.
 */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of lines(text)) {
    const entry = parseMountinfoLine(line);
    if (entry) entries.push(entry);
  }
  // A process always has a root mount: a table without one readable line is not a mount table.
  if (entries.length === 0) throw new Error(`no mount line (${lineAt(text, 0)})`);
  return entries;
}

function parseMountinfoLine(line: string): MountinfoEntry | null {
  const fields = line.split(' ');
  const separator = fields.indexOf('-', 6);
  if (separator < 0 || fields.length < separator + 4) return null;
  const devNumbers = /^(\d+):(\d+)$/.exec(fields[2] ?? '');
  if (!devNumbers) return null;
  return {
    major: Number(devNumbers[1]),
    minor: Number(devNumbers[2]),
    mountpoint: unescapeOctal(fields[4]!),
    device: unescapeOctal(fields[separator + 2]!),
    fstype: fields[separator + 1]!,
    options: fields[5]!.split(','),
    superOptions: fields[separator + 3]!.split(','),
  };
}

/** The value of "model name" in /proc/cpuinfo (x86), or null where the architecture prints none (most ARM). */
export function parseCpuinfoModel(text: string): string | null {
  const match = /^model name\s*:(.*)/m.exec(text);
  const model = match?.[1]!.trim();
  return model ? model : null;
}

/** os-release(5): KEY=value lines, values optionally quoted (shell style, quotes and backslash escapes removed). */
export function parseOsRelease(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of lines(text)) {
    const match = /^\s*([A-Za-z0-9_]+)=(.*)/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    vars[match[1]!] = value;
  }
  return vars;
}
