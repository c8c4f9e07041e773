// @ts-check
/**
 * The samples of one chart in uPlot's columnar shape: one array of times (seconds) and one aligned column per series.
 * Live samples are appended; the agent's stored history (/api/history) is put in front of them, so a window longer
 * than the page has been open is filled at once. Kept for the selected window (at least an hour), trimmed as it moves.
 */

/** The least kept whatever the window: an hour, plus a minute so the left edge is never drawn empty. */
const MIN_KEEP_MS = 61 * 60_000;

/**
 * @typedef {object} History
 * @property {number[]} times sample times, seconds since the epoch (uPlot's unit), strictly increasing
 * @property {Map<string, (number | null)[]>} columns series name -> values aligned with times; null draws no line
 * @property {Map<string, (number | null)[]>} maxes series name -> the highest sample of each stored step, aligned with
 *   times, where the agent's history has it (null for live samples, which are their own max)
 * @property {number[]} restarts times (seconds) the agent came back after being down, drawn as marks on the chart
 * @property {(ts: number, values: Record<string, number>) => void} push appends a sample taken at ts (ms)
 * @property {(times: number[], columns: Record<string, (number | null)[]>, restarts?: number[], maxes?: Record<string, (number | null)[]>) => void} prepend
 *   puts older points (times in ms, ascending) in front: only those before the first point held, so no time is doubled
 * @property {() => void} breakLine ends the line at the last sample: the next one starts a new segment
 */

/** @param {() => number} [windowMs] the selected window: what is older than it (and than an hour) is dropped @returns {History} */
export function createHistory(windowMs = () => 0) {
  /** @type {number[]} */
  const times = [];
  /** @type {Map<string, (number | null)[]>} */
  const columns = new Map();
  /** @type {Map<string, (number | null)[]>} */
  const maxes = new Map();
  /** @type {number[]} */
  const restarts = [];

  /** The column `key` of `map`, created aligned with the times. @param {Map<string, (number | null)[]>} map @param {string} key */
  const columnOf = (map, key) => {
    let column = map.get(key);
    if (!column) {
      column = new Array(times.length).fill(null);
      map.set(key, column);
    }
    return column;
  };

  /** @param {number} t seconds @param {Record<string, number>} values */
  const append = (t, values) => {
    for (const key of Object.keys(values)) columnOf(columns, key);
    times.push(t);
    for (const [key, column] of columns) column.push(values[key] ?? null);
    for (const column of maxes.values()) column.push(null);
    const cutoff = t - Math.max(MIN_KEEP_MS, windowMs()) / 1000;
    const expired = times.findIndex((time) => time >= cutoff);
    if (expired > 0) {
      times.splice(0, expired);
      for (const column of [...columns.values(), ...maxes.values()]) column.splice(0, expired);
    }
  };

  return {
    times,
    columns,
    maxes,
    restarts,
    push(ts, values) {
      const t = ts / 1000;
      // A replayed or late sample never rewrites the past (uPlot needs increasing x).
      if (times.length > 0 && t <= times[times.length - 1]) return;
      append(t, values);
    },
    prepend(olderTimes, olderColumns, olderRestarts = [], olderMaxes = {}) {
      const first = times.length ? times[0] : Infinity;
      const stored = Object.values(olderColumns);
      const emptyAt = (/** @type {number} */ i) => stored.every((column) => column[i] == null);
      // Steps with no sample at all (before the agent started, or while it was down) are a gap: one null step breaks
      // the line there, a run of them would only count as samples. A gap before the first sample draws nothing.
      /** @type {number[]} */
      const kept = [];
      for (let i = 0; i < olderTimes.length && olderTimes[i] / 1000 < first; i += 1) {
        if (!emptyAt(i) || (kept.length > 0 && !emptyAt(kept[kept.length - 1]))) kept.push(i);
      }
      if (kept.length === 0) return;
      for (const key of Object.keys(olderColumns)) columnOf(columns, key);
      for (const key of Object.keys(olderMaxes)) columnOf(maxes, key);
      times.unshift(...kept.map((i) => olderTimes[i] / 1000));
      for (const [map, older] of /** @type {const} */ ([[columns, olderColumns], [maxes, olderMaxes]])) {
        for (const [key, column] of map) column.unshift(...kept.map((i) => older[key]?.[i] ?? null));
      }
      const known = new Set(restarts);
      restarts.push(...olderRestarts.map((ts) => ts / 1000).filter((t) => !known.has(t)));
      restarts.sort((a, b) => a - b);
    },
    breakLine() {
      if (times.length === 0) return;
      append(times[times.length - 1] + 0.001, {});
    },
  };
}

/**
 * Running sums of aligned columns, bottom first: the upper edges of a stacked chart's bands. A sample missing from
 * every column so far (a break in the line) stays missing; one missing from a single column adds nothing.
 * @param {(number | null)[][]} columns @returns {(number | null)[][]}
 */
export function stackColumns(columns) {
  /** @type {(number | null)[][]} */
  const sums = [];
  for (const column of columns) {
    const below = sums[sums.length - 1];
    sums.push(below ? column.map((value, i) => (value == null && below[i] == null ? null : (value ?? 0) + (below[i] ?? 0))) : [...column]);
  }
  return sums;
}
