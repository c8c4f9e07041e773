// @ts-check
/** Numbers as a person reads them: binary byte units, percentages to one decimal, rates per second. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const compactCount = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** @param {number} bytes e.g. 1536 -> "1.50 KiB": three significant digits, binary units. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** @param {number} bytesPerSecond */
export function formatRate(bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** @param {number} ratio 0..1 -> "12.3%" */
export function formatPercent(ratio) {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : '–';
}

/** @param {number} load a load average, as uptime(1) shows it */
export function formatLoad(load) {
  return load.toFixed(2);
}

/** @param {number} count e.g. inodes: 5200000 -> "5.2M" */
export function formatCount(count) {
  return compactCount.format(count);
}

/** @param {number} ms a duration -> "3 d 4 h", "4 h 12 min", "12 min", "45 s" (the two largest units). */
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  /** @type {[number, string][]} */
  const parts = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor(seconds / 3600) % 24, 'h'],
    [Math.floor(seconds / 60) % 60, 'min'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

/** @param {number} ts ms since the epoch -> local wall-clock time "14:03:07" (or "14:03") @param {boolean} [seconds] */
export function formatClock(ts, seconds = true) {
  // hourCycle h23, not hour12: false, which en-US resolves to h24 and shows a minute past midnight as "24:01".
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined, hourCycle: 'h23' });
}

/** A day on a time axis whose ticks are days apart, e.g. "2 Dec". @param {number} ts ms */
export function formatDay(ts) {
  return new Date(ts).toLocaleDateString([], { day: 'numeric', month: 'short' });
}

/**
 * @typedef {{ warn: number, critical: number }} Thresholds usage ratios at which a figure turns amber, then red
 * @typedef {'ok' | 'warn' | 'critical'} Level
 */

/** @type {Thresholds} */
export const DEFAULT_THRESHOLDS = { warn: 0.8, critical: 0.9 };

/**
 * @param {number} ratio
 * @param {Thresholds} thresholds
 * @returns {Level}
 */
export function levelOf(ratio, thresholds) {
  if (ratio >= thresholds.critical) return 'critical';
  if (ratio >= thresholds.warn) return 'warn';
  return 'ok';
}

/**
 * The 1-minute load average per logical CPU at which load turns amber, then red. Amber at 1: as many tasks running or
 * waiting (runnable, or in uninterruptible I/O) as there are CPUs, so any more queue. Red at 2: node-mixin's
 * NodeSystemSaturation alert (node_load1 / CPUs > 2, "System saturated, load per core is very high"), the alert the
 * agent's node_exporter names are there to feed.
 * @type {Thresholds}
 */
export const LOAD_PER_CORE = { warn: 1, critical: 2 };

/** The level in words, so that it never rests on colour alone. */
const LOAD_WORDS = { ok: '', warn: 'high', critical: 'very high' };

/**
 * @param {number} load1 the 1-minute load average
 * @param {number} cores logical CPUs; 0 where the source could not tell
 * @returns {{ perCore: number, level: Level, text: string } | undefined} undefined without a core count
 */
export function loadPerCore(load1, cores) {
  if (!(cores > 0)) return undefined;
  const perCore = load1 / cores;
  const level = levelOf(perCore, LOAD_PER_CORE);
  // Truncated, not rounded: 0.995 reads "0.99", never "1.00" beside a level that is still ok.
  const shown = (Math.floor(perCore * 100 + 1e-9) / 100).toFixed(2);
  return { perCore, level, text: [`${shown} per core`, LOAD_WORDS[level]].filter(Boolean).join(', ') };
}
