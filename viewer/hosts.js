// @ts-check
/**
 * One agent's card: its feed, the histories behind its charts, and the figures drawn from the latest samples.
 * Samples are stored as they arrive (a background tab keeps every one); drawing happens only in draw(), which the
 * page calls in its shared drawing pass. A collapsible card (several agents on the page) shows an overview row and
 * draws its panels and charts only while expanded.
 */
import { BINARY_INCREMENTS, createChart } from './charts.js';
import { connectFeed } from './feed.js';
import { createHistory } from './history.js';
import { columnsOfEvent, columnsOfStored, fetchHistory, maxColumnsOfStored } from './history-api.js';
import { formatBytes, formatClock, formatDuration, formatLoad, formatPercent, formatRate, LOAD_PER_CORE } from './format.js';
import { $, cloneTemplate, coresOf, drawCollectorErrors, drawCpu, drawDisk, drawHello, drawLoad, drawMemory, drawNetwork, drawPressure, drawProcesses, drawSummary, drawAlerts, setText } from './panels.js';

/**
 * @typedef {import('../agent/events').CpuEvent} CpuEvent
 * @typedef {import('../agent/events').MemoryEvent} MemoryEvent
 * @typedef {import('../agent/events').DiskEvent} DiskEvent
 * @typedef {import('../agent/events').LoadEvent} LoadEvent
 * @typedef {import('../agent/events').HelloEvent} HelloEvent
 * @typedef {import('../agent/events').Topic} Topic
 * @typedef {import('./format.js').Thresholds} Thresholds
 * @typedef {import('./feed.js').FeedStatus} FeedStatus
 * @typedef {import('./feed.js').FeedState} FeedState
 *
 * @typedef {object} HostOptions
 * @property {string} id unique on the page, for the ids the card's elements need
 * @property {URL} base the agent's base URL
 * @property {number} ringSize how many events the agent keeps for replay: the backfill asks for them all
 * @property {Thresholds} thresholds
 * @property {() => number} windowMs the charts' window
 * @property {(soon?: boolean) => void} requestDraw asks for the page's next drawing pass (soon: a person acted)
 * @property {(() => void) | undefined} onRemove shows a Remove button that calls it
 * @property {boolean} collapsible an overview row that expands into the card, collapsed at first
 * @property {() => [number, number] | undefined} zoom the range dragged on a chart (ms), shown instead of the window
 * @property {(range: [number, number] | undefined) => void} onZoom a chart was dragged over a range, or reset
 *
 * @typedef {object} HostView
 * @property {HTMLElement} element
 * @property {(drawCharts: boolean) => void} draw renders what arrived since the last draw
 * @property {(now: number) => void} tick once a second: the feed's watchdog, then uptime and "no data for" on the next draw
 * @property {() => void} invalidateCharts redraws the charts on the next draw (the window changed, or pause ended)
 * @property {() => Promise<void>} loadStored fills the charts' window from the agent's stored history, where the page
 *   has not already got it
 * @property {() => Promise<void>} showZoom fetches the zoomed range (or returns to the window) and draws it
 * @property {() => void} restyle rebuilds the charts in the current theme's colours
 */

const STATE_LABELS = { connecting: 'Connecting…', live: 'Live', stale: 'Stale', reconnecting: 'Reconnecting…' };
/** States whose figures are old news: drawn grey (style.css), the uptime stopped at the last sample. */
const OUTDATED = new Set(['stale', 'reconnecting']);
/**
 * A chart of bytes per second with two series per device (columnsOfEvent names them `<device> <word>`): one colour
 * per device, the first word's series filled, the second's dashed.
 * @param {string} title @param {string} filled @param {string} dashed @returns {import('./charts.js').ChartSpec}
 */
function throughputSpec(title, filled, dashed) {
  return {
    title,
    format: formatRate,
    yRange: (max) => [0, Math.max(max * 1.1, 1024)],
    yIncrements: BINARY_INCREMENTS,
    style: (name, index) => ({ colour: Math.floor(index / 2), dashed: name.endsWith(` ${dashed}`), filled: name.endsWith(` ${filled}`) }),
  };
}

/** Changes of the agent's alerts the log keeps, newest first (Glances keeps as many). */
const ALERT_LOG_SIZE = 50;
/** Points asked of the stored history per series: about a chart's width in pixels. */
const STORED_POINTS = 1500;
/** @typedef {import('./history-api.js').ChartName} ChartName */
/** @type {readonly ChartName[]} */
const CHART_NAMES = ['cpu', 'load', 'memory', 'disk', 'network', 'pressure'];

/**
 * The heading as a disclosure button (the WAI-ARIA pattern: a button inside the heading) that shows and hides the body.
 * @param {HTMLElement} element the card @param {string} id @param {(expanded: boolean) => void} onToggle
 */
function makeCollapsible(element, id, onToggle) {
  const body = $(element, '.host-body');
  body.id = `${id}-body`;
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'host-toggle';
  toggle.setAttribute('aria-controls', body.id);
  toggle.append(...$(element, '.host-label').childNodes);
  $(element, '.host-label').replaceWith(toggle);
  $(element, '.summary').hidden = false;
  const set = (/** @type {boolean} */ expanded) => {
    toggle.setAttribute('aria-expanded', String(expanded));
    element.dataset.expanded = String(expanded);
    body.hidden = !expanded;
  };
  set(false);
  toggle.addEventListener('click', () => {
    const expanded = toggle.getAttribute('aria-expanded') !== 'true';
    set(expanded);
    onToggle(expanded);
  });
}

/** @param {HostOptions} options @returns {HostView} */
export function createHostView({ id, base, ringSize, thresholds, windowMs, requestDraw, onRemove, collapsible, zoom, onZoom }) {
  const element = cloneTemplate('host-template');
  const isRemote = base.origin !== location.origin;
  // The address tells apart hosts of the same name, and agents behind one proxy by their path.
  const address = isRemote ? `${base.host}${base.pathname.replace(/\/$/, '')}` : location.host;
  setText($(element, '.host-name'), isRemote ? base.hostname : location.hostname);
  setText($(element, '.host-address'), address);

  const remove = /** @type {HTMLButtonElement} */ ($(element, '.remove-host'));
  if (onRemove) {
    remove.hidden = false;
    remove.addEventListener('click', onRemove);
  }

  /** The latest payload of each kind, drawn on the next pass. @type {import('./panels.js').Latest} */
  const latest = {};
  const histories = /** @type {Record<ChartName, import('./history.js').History>} */ (Object.fromEntries(CHART_NAMES.map((name) => [name, createHistory(windowMs)])));
  /** The topics of the charts that this agent samples: only those are asked of its stored history. */
  const storedTopics = () => CHART_NAMES.filter((name) => latest.hello?.topics.includes(name));
  /** What the process list is sorted by; a click on a column heading changes it. @type {import('./panels.js').ProcessOrder} */
  let processOrder = 'cpu';
  /** The zoomed range's samples, fetched at the finest step the agent keeps for it; empty while not zoomed. */
  /** @type {Partial<Record<ChartName, import('./history.js').History>>} */
  let zoomed = {};
  /** @param {ChartName} name @returns {import('./charts.js').ChartView} */
  const chartView = (name) => ({ history: () => zoomed[name] ?? histories[name], windowMs, zoom, onZoom, syncKey: id });
  /** @type {() => (import('./format.js').Thresholds & { text: string }) | undefined} */
  const loadLevels = () => {
    const cores = coresOf(latest);
    if (!cores) return undefined;
    const [warn, critical] = [LOAD_PER_CORE.warn * cores, LOAD_PER_CORE.critical * cores];
    return { warn, critical, text: `${cores} cores: high from ${formatLoad(warn)}, very high from ${formatLoad(critical)}` };
  };
  const charts = {
    cpu: createChart(
      $(element, '.chart-cpu'),
      { title: 'CPU usage', stackedTotal: 'busy', format: formatPercent, yRange: () => [0, 1], style: (_name, index) => ({ colour: index }) },
      chartView('cpu'),
    ),
    load: createChart(
      $(element, '.chart-load'),
      {
        title: 'Load',
        format: formatLoad,
        // The amber line (load = cores) always in view, so that a low load reads as low.
        yRange: (max) => [0, Math.max(max * 1.1, loadLevels()?.warn ?? 1)],
        levels: loadLevels,
        style: (_name, index) => ({ colour: index + 1, levelled: index === 0, dashed: index > 0 }),
      },
      chartView('load'),
    ),
    memory: createChart(
      $(element, '.chart-memory'),
      {
        title: 'Memory',
        format: formatBytes,
        yRange: (max) => [0, latest.memory?.totalBytes ?? max],
        yIncrements: BINARY_INCREMENTS,
        style: (_name, index) => ({ colour: index, filled: index === 0 }),
      },
      chartView('memory'),
    ),
    disk: createChart($(element, '.chart-disk'), throughputSpec('Disk throughput', 'read', 'write'), chartView('disk')),
    network: createChart($(element, '.chart-network'), throughputSpec('Network traffic', 'in', 'out'), chartView('network')),
    pressure: createChart(
      $(element, '.chart-pressure'),
      {
        title: 'Share of time some tasks stalled',
        format: formatPercent,
        // A few percent is already news: the scale starts at 5 % rather than flattening it.
        yRange: (max) => [0, Math.min(1, Math.max(max * 1.1, 0.05))],
        style: (_name, index) => ({ colour: index }),
      },
      chartView('pressure'),
    ),
  };

  for (const button of /** @type {NodeListOf<HTMLElement>} */ (element.querySelectorAll('.processes th[data-sort] .sort'))) {
    button.addEventListener('click', () => {
      processOrder = /** @type {import('./panels.js').ProcessOrder} */ (/** @type {HTMLElement} */ (button.parentElement).dataset.sort);
      changed();
      requestDraw(true);
    });
  }

  /** The agent's pending and firing alerts by name and labels, and the last changes of any. */
  /** @type {Map<string, import('../agent/events').AlertEvent>} */
  const activeAlerts = new Map();
  /** @type {import('../agent/events').AlertEvent[]} */
  const alertLog = [];
  /** Collectors failing now: the latest message, and when this page first saw them fail. */
  /** @type {Map<Topic, { message: string, since: number }>} */
  const collectorErrors = new Map();
  /** Why the agent turned this page away, shown until it is let in. */
  let busyNote = '';
  let figuresDirty = false;
  /** @type {Set<keyof typeof charts>} */
  const chartsDirty = new Set();
  /** Charts on screen or within a screen's height of it: the others wait, dirty, until scrolled near. */
  /** @type {Set<keyof typeof charts>} */
  const chartsInView = new Set();
  const chartNames = new Map(Object.entries(charts).map(([name, chart]) => [chart.figure, /** @type {keyof typeof charts} */ (name)]));
  const inView = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const name = /** @type {keyof typeof charts} */ (chartNames.get(/** @type {HTMLElement} */ (entry.target)));
        if (entry.isIntersecting) chartsInView.add(name);
        else chartsInView.delete(name);
      }
      if (chartsDirty.size) requestDraw();
    },
    { rootMargin: '100% 0px' },
  );
  for (const figure of chartNames.keys()) inView.observe(figure);
  /** Whether the charts were last built in the greys of an outdated card; undefined: rebuild them (theme changed). */
  /** @type {boolean | undefined} */
  let chartsGrey = false;
  let expanded = !collapsible;
  /** How far back the stored history was asked for: a wider window asks only for what lies before. */
  let storedFrom = Infinity;
  /** @type {FeedStatus} */
  let status = { state: 'connecting', lastSampleAt: 0, missed: 0, everLive: false };

  /** @param {(keyof typeof charts)[]} chartsChanged */
  const changed = (...chartsChanged) => {
    figuresDirty = true;
    for (const chart of chartsChanged) chartsDirty.add(chart);
    requestDraw();
  };
  const allCharts = () => /** @type {(keyof typeof charts)[]} */ (Object.keys(charts));

  if (collapsible) {
    makeCollapsible(element, id, (isExpanded) => {
      expanded = isExpanded;
      if (expanded) changed(...allCharts());
      requestDraw(true);
    });
  }

  /** The samples after this point are not continuous with those before: say so, and break the chart lines. @param {string} message */
  const discontinuity = (message) => {
    const notice = $(element, '.notice');
    notice.textContent = message;
    notice.hidden = false;
    for (const history of Object.values(histories)) history.breakLine();
    changed(...allCharts());
  };

  /** A sample of a topic with a chart: the latest of its kind, its collector working again, a point on its chart. */
  const charted = (/** @type {ChartName} */ name) => (/** @type {any} */ data) => {
    /** @type {Record<string, unknown>} */ (latest)[name] = data;
    collectorErrors.delete(name);
    histories[name].push(data.ts, columnsOfEvent(name, data));
    changed(name);
  };

  const feed = connectFeed(
    base,
    ringSize,
    {
      hello(data) {
        // The first hello of an agent that keeps history: fill the window from it.
        const first = !latest.hello?.history;
        latest.hello = data;
        if (first && data.history) {
          void view.loadStored();
          if (zoom()) void view.showZoom();
        }
        busyNote = '';
        // The core count sets the load chart's levels.
        changed('load');
      },
      cpu: charted('cpu'),
      memory: charted('memory'),
      disk: charted('disk'),
      load: charted('load'),
      network: charted('network'),
      pressure: charted('pressure'),
      processes(data) {
        latest.processes = data;
        collectorErrors.delete('processes');
        changed();
      },
      alert(data) {
        const key = `${data.name}${JSON.stringify(data.labels)}`;
        if (data.state === 'pending' || data.state === 'firing') activeAlerts.set(key, data);
        else activeAlerts.delete(key);
        // A reconnection's burst repeats the active alerts: each change goes into the log once.
        if (!alertLog.some((a) => a.name === data.name && a.state === data.state && a.ts === data.ts && JSON.stringify(a.labels) === JSON.stringify(data.labels))) {
          alertLog.unshift(data);
          alertLog.length = Math.min(alertLog.length, ALERT_LOG_SIZE);
        }
        changed();
      },
      'collector-error'(data) {
        // The text stays the same while the failure does, so screen readers announce it once.
        collectorErrors.set(data.collector, { message: data.message, since: collectorErrors.get(data.collector)?.since ?? data.ts });
        changed();
      },
      reset(data) {
        const messages = {
          'other-boot': `The agent restarted at ${formatClock(Date.now())}: samples from while it was down are missing.`,
          'too-old': 'The connection was down longer than the agent keeps events: some samples are missing.',
          'unknown-id': 'The agent could not resume where this page left off: some samples may be missing.',
        };
        discontinuity(messages[data.reason]);
        // What resolved meanwhile was missed: the burst after a reset brings the alerts active now.
        activeAlerts.clear();
      },
      busy(data) {
        busyNote = `The agent is at its client limit (${data.clients} clients); retrying in ${formatDuration(data.retryMs)}.`;
        changed();
      },
    },
    (next) => {
      status = next;
      changed();
    },
  );

  const drawState = (/** @type {number} */ now) => {
    element.dataset.state = status.state;
    element.dataset.missed = String(status.missed);
    setText($(element, '.state-label'), STATE_LABELS[status.state]);
    const details = status.state === 'live' ? [] : [busyNote].filter(Boolean);
    if (status.state === 'stale') details.push(`No data for ${formatDuration(now - status.lastSampleAt)}.`);
    if (status.state === 'reconnecting' && status.lastSampleAt) details.push(`Last data at ${formatClock(status.lastSampleAt)}, ${formatDuration(now - status.lastSampleAt)} ago.`);
    if (status.state === 'reconnecting' && !status.everLive && isRemote) {
      details.push(`Cannot reach ${base.origin}. If it is up, its cors.origins must include ${location.origin}.`);
    }
    if (status.missed > 0) details.push(`${status.missed} events missed.`);
    // A row shows no panel, where each failure is told: name the failing collectors under it.
    if (!expanded && collectorErrors.size) details.push(`Failing: ${[...collectorErrors.keys()].join(', ')}.`);
    setText($(element, '.state-detail'), details.join(' '));
  };

  /** Rebuilds the charts when their colours no longer match the card's state (or the theme changed). */
  const restyleCharts = () => {
    const grey = OUTDATED.has(status.state);
    if (chartsGrey === grey) return;
    chartsGrey = grey;
    for (const chart of Object.values(charts)) chart.restyle();
  };

  /** @type {HostView} */
  const view = {
    element,
    draw(drawCharts) {
      const now = Date.now();
      // While the figures are outdated, so is the uptime: it stops at the last sample.
      const asOf = OUTDATED.has(status.state) && status.lastSampleAt ? status.lastSampleAt : now;
      drawState(now);
      if (latest.hello) drawHello(element, latest.hello, asOf);
      // Every pass: an alert's age moves on with the clock.
      drawAlerts(element, [...activeAlerts.values()], alertLog, now);
      if (figuresDirty && collapsible) drawSummary(element, latest, thresholds);
      if (!expanded) {
        // Expanding marks everything changed: the panels catch up then.
        figuresDirty = false;
        return;
      }
      if (figuresDirty) {
        figuresDirty = false;
        if (latest.cpu) drawCpu(element, latest.cpu, thresholds);
        if (latest.load) drawLoad(element, latest.load, coresOf(latest));
        if (latest.memory) drawMemory(element, latest.memory, thresholds);
        if (latest.disk) drawDisk(element, latest.disk, thresholds);
        if (latest.network) drawNetwork(element, latest.network);
        if (latest.pressure) drawPressure(element, latest.pressure);
        if (latest.processes) drawProcesses(element, latest.processes, processOrder);
        drawCollectorErrors(element, collectorErrors);
      }
      if (!drawCharts) return;
      restyleCharts();
      for (const name of chartsDirty) {
        if (!chartsInView.has(name)) continue;
        charts[name].draw();
        chartsDirty.delete(name);
      }
    },
    tick(now) {
      feed.tick(now);
      requestDraw();
    },
    invalidateCharts() {
      changed(...allCharts());
      requestDraw(true);
    },
    async loadStored() {
      if (!latest.hello?.history) return;
      const from = Date.now() - windowMs();
      // Only what lies before what the page holds (or asked for already): the rest came, or comes, live.
      const to = Math.min(storedFrom, Date.now());
      if (from >= to) return;
      const answer = await fetchHistory(base, storedTopics(), from, to, STORED_POINTS);
      if (!answer) return;
      storedFrom = Math.min(storedFrom, from);
      const restarts = answer.restarts.map((gap) => gap.upAt);
      for (const name of CHART_NAMES) {
        const series = answer.series[name] ?? {};
        histories[name].prepend(answer.ts, columnsOfStored(name, series), restarts, maxColumnsOfStored(name, series));
      }
      changed(...allCharts());
    },
    async showZoom() {
      const range = zoom();
      const answer = range && latest.hello?.history && (await fetchHistory(base, storedTopics(), range[0], range[1], STORED_POINTS));
      // Another drag may have come meanwhile: draw only the range still chosen.
      if (range !== zoom()) return;
      zoomed = {};
      if (answer) {
        const restarts = answer.restarts.map((gap) => gap.upAt);
        for (const name of CHART_NAMES) {
          zoomed[name] = createHistory();
          const series = answer.series[name] ?? {};
          zoomed[name].prepend(answer.ts, columnsOfStored(name, series), restarts, maxColumnsOfStored(name, series));
        }
      }
      changed(...allCharts());
      requestDraw(true);
    },
    restyle() {
      chartsGrey = undefined;
      requestDraw(true);
    },
  };
  return view;
}
