// @ts-check
/**
 * The recent samples of one chart in uPlot's columnar shape: one array of times (seconds) and one aligned column
 * per series. Kept for the longest selectable window whatever the chart shows, so widening the window needs no refetch.
 */

/** The longest window the page offers (60 min), plus a minute so the left edge is never drawn empty. */
const HISTORY_MS = 61 * 60_000;

/**
 * @typedef {object} History
 * @property {number[]} times sample times, seconds since the epoch (uPlot's unit), strictly increasing
 * @property {Map<string, (number | null)[]>} columns series name -> values aligned with times; null draws no line
 * @property {(ts: number, values: Record<string, number>) => void} push appends a sample taken at ts (ms)
 * @property {() => void} breakLine ends the line at the last sample: the next one starts a new segment
 */

/** @returns {History} */
export function createHistory() {
  /** @type {number[]} */
  const times = [];
  /** @type {Map<string, (number | null)[]>} */
  const columns = new Map();

  /** @param {number} t seconds @param {Record<string, number>} values */
  const append = (t, values) => {
    for (const key of Object.keys(values)) {
      if (!columns.has(key)) columns.set(key, new Array(times.length).fill(null));
    }
    times.push(t);
    for (const [key, column] of columns) column.push(values[key] ?? null);
    const cutoff = t - HISTORY_MS / 1000;
    const expired = times.findIndex((time) => time >= cutoff);
    if (expired > 0) {
      times.splice(0, expired);
      for (const column of columns.values()) column.splice(0, expired);
    }
  };

  return {
    times,
    columns,
    push(ts, values) {
      const t = ts / 1000;
      // A replayed or late sample never rewrites the past (uPlot needs increasing x).
      if (times.length > 0 && t <= times[times.length - 1]) return;
      append(t, values);
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
