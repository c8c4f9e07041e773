// @ts-check
/**
 * The agent's stored history (GET /api/history, docs/history.md) turned into the columns of the card's charts. The
 * same table names a chart's columns for a live event and for a stored series, so both draw one line per column.
 */

/**
 * @typedef {{ value: (number | null)[], max: (number | null)[] }} StoredSeries
 * @typedef {object} HistoryAnswer what /api/history answers
 * @property {number} from
 * @property {number} to
 * @property {number} stepMs
 * @property {number[]} ts start of each step, ms
 * @property {Record<string, Record<string, StoredSeries>>} series topic -> path -> columns
 * @property {{ downFrom: number, upAt: number }[]} restarts
 * @typedef {'cpu' | 'load' | 'memory' | 'disk'} ChartName
 */

/** The CPU modes stacked in the CPU chart, bottom first; idle is the room left above them. */
const STACKED_MODES = /** @type {const} */ (['user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice']);

/** Fixed columns: legend name and the field's path in the topic's payload (the history API's series name). */
/** @type {Record<Exclude<ChartName, 'disk'>, [string, string][]>} */
const FIXED_COLUMNS = {
  cpu: STACKED_MODES.map((mode) => [mode, `modes.${mode}`]),
  load: [['1 min', 'load1'], ['5 min', 'load5'], ['15 min', 'load15']],
  memory: [['used', 'usedBytes'], ['cached', 'cachedBytes'], ['swap used', 'swapUsedBytes']],
};

/** The disk chart: two columns per device, in the order of its path `devices[<device>].<field>`. */
const DISK_PATH = /^devices\[(.+)\]\.(read|write)BytesPerSecond$/;

/** @param {unknown} payload @param {string} path dotted, as `modes.user` @returns {number | undefined} */
function valueAt(payload, path) {
  /** @type {any} */
  let value = payload;
  for (const key of path.split('.')) value = value?.[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * A live event's values by column name. @param {ChartName} chart
 * @param {any} payload the event's data @returns {Record<string, number>}
 */
export function columnsOfEvent(chart, payload) {
  if (chart === 'disk') {
    return Object.fromEntries(
      /** @type {import('../agent/events').DiskDevice[]} */ (payload.devices).flatMap((d) => [[`${d.device} read`, d.readBytesPerSecond], [`${d.device} write`, d.writeBytesPerSecond]]),
    );
  }
  return Object.fromEntries(FIXED_COLUMNS[chart].flatMap(([name, path]) => {
    const value = valueAt(payload, path);
    return value === undefined ? [] : [[name, value]];
  }));
}

/**
 * A stored topic's series by column name (the step's mean for rates and ratios, its last value for gauges).
 * @param {ChartName} chart @param {Record<string, StoredSeries>} series @returns {Record<string, (number | null)[]>}
 */
export function columnsOfStored(chart, series) {
  if (chart === 'disk') {
    return Object.fromEntries(Object.keys(series).flatMap((path) => {
      const match = DISK_PATH.exec(path);
      return match ? [[`${match[1]} ${match[2]}`, series[path].value]] : [];
    }));
  }
  return Object.fromEntries(FIXED_COLUMNS[chart].flatMap(([name, path]) => (series[path] ? [[name, series[path].value]] : [])));
}

/**
 * The stored history of `topics` from `from` to `to` (ms), at most `maxPoints` per series; undefined when the agent
 * has none to give (an agent without history answers 404) or cannot be reached: the page then shows what it receives.
 * @param {URL} base @param {readonly string[]} topics @param {number} from @param {number} to @param {number} maxPoints
 * @returns {Promise<HistoryAnswer | undefined>}
 */
export async function fetchHistory(base, topics, from, to, maxPoints) {
  const url = new URL('api/history', base);
  url.search = new URLSearchParams({ topics: topics.join(','), from: String(Math.round(from)), to: String(Math.round(to)), maxPoints: String(maxPoints) }).toString();
  try {
    const response = await fetch(url);
    return response.ok ? /** @type {HistoryAnswer} */ (await response.json()) : undefined;
  } catch {
    return undefined;
  }
}
