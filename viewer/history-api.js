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
 * @typedef {'cpu' | 'load' | 'memory' | 'disk' | 'network' | 'pressure'} ChartName named as the topic it draws
 */

/** The CPU modes stacked in the CPU chart, bottom first; idle is the room left above them. */
const STACKED_MODES = /** @type {const} */ (['user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice']);

/** Fixed columns: legend name and the field's path in the topic's payload (the history API's series name). */
/** @type {Record<'cpu' | 'load' | 'memory' | 'pressure', [string, string][]>} */
const FIXED_COLUMNS = {
  cpu: STACKED_MODES.map((mode) => [mode, `modes.${mode}`]),
  load: [['1 min', 'load1'], ['5 min', 'load5'], ['15 min', 'load15']],
  memory: [['used', 'usedBytes'], ['cached', 'cachedBytes'], ['swap used', 'swapUsedBytes']],
  pressure: [['CPU', 'cpu.some'], ['memory', 'memory.some'], ['I/O', 'io.some']],
};

/**
 * Charts with two columns per device, `<device> <word>`, from an array of the payload keyed by `device` (stored as
 * `<array>[<device>].<field>`).
 * @type {Record<'disk' | 'network', { array: string, columns: [string, string][] }>}
 */
const PER_DEVICE = {
  disk: { array: 'devices', columns: [['read', 'readBytesPerSecond'], ['write', 'writeBytesPerSecond']] },
  network: { array: 'interfaces', columns: [['in', 'receiveBytesPerSecond'], ['out', 'transmitBytesPerSecond']] },
};

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
  if (chart === 'disk' || chart === 'network') {
    const { array, columns } = PER_DEVICE[chart];
    return Object.fromEntries(
      /** @type {{ device: string }[]} */ (payload[array]).flatMap((item) => columns.map(([word, field]) => [`${item.device} ${word}`, valueAt(item, field) ?? 0])),
    );
  }
  return Object.fromEntries(FIXED_COLUMNS[chart].flatMap(([name, path]) => {
    const value = valueAt(payload, path);
    return value === undefined ? [] : [[name, value]];
  }));
}

/**
 * A stored topic's series by column name: `value` (the step's mean for rates and ratios, its last value for gauges)
 * or `max` (the highest sample of the step).
 * @param {ChartName} chart @param {Record<string, StoredSeries>} series @param {keyof StoredSeries} [pick]
 * @returns {Record<string, (number | null)[]>}
 */
export function columnsOfStored(chart, series, pick = 'value') {
  if (chart === 'disk' || chart === 'network') {
    const { array, columns } = PER_DEVICE[chart];
    // Devices in the order the series come, each with its columns in the live order (a device's colour goes by it).
    const devices = new Set(Object.keys(series).flatMap((path) => {
      const match = /^(\w+)\[(.+)\]\./.exec(path);
      return match && match[1] === array ? [match[2]] : [];
    }));
    return Object.fromEntries([...devices].flatMap((device) => columns.flatMap(([word, field]) => {
      const stored = series[`${array}[${device}].${field}`];
      return stored ? [[`${device} ${word}`, stored[pick]]] : [];
    })));
  }
  return Object.fromEntries(FIXED_COLUMNS[chart].flatMap(([name, path]) => (series[path] ? [[name, series[path][pick]]] : [])));
}

/**
 * The highest sample of each step, by column name, where it rose above the step's value (a spike a mean would hide):
 * drawn as a light band above the line. The stacked CPU chart has one, its top: busy, from the usage series.
 * @param {ChartName} chart @param {Record<string, StoredSeries>} series @returns {Record<string, (number | null)[]>}
 */
export function maxColumnsOfStored(chart, series) {
  const values = chart === 'cpu' ? { busy: series.usage?.value } : columnsOfStored(chart, series);
  const maxes = chart === 'cpu' ? { busy: series.usage?.max } : columnsOfStored(chart, series, 'max');
  return Object.fromEntries(
    Object.entries(maxes).flatMap(([name, max]) => {
      const value = values[name];
      return max && value && max.some((m, i) => m !== null && value[i] !== null && m > /** @type {number} */ (value[i])) ? [[name, max]] : [];
    }),
  );
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
