// @ts-check
/**
 * One agent's card: its feed, the histories behind its charts, and the figures drawn from the latest samples.
 * Samples are stored as they arrive (a background tab keeps every one); drawing happens only in draw(), which the
 * page calls once per animation frame at most.
 */
import { BINARY_INCREMENTS, createChart } from './charts.js';
import { connectFeed } from './feed.js';
import { createHistory } from './history.js';
import { formatBytes, formatClock, formatDuration, formatPercent, formatRate } from './format.js';
import { $, cloneTemplate, drawCollectorErrors, drawCpu, drawDisk, drawHello, drawLoad, drawMemory, drawUptime, setText } from './panels.js';

/**
 * @typedef {import('../agent/events').CpuEvent} CpuEvent
 * @typedef {import('../agent/events').MemoryEvent} MemoryEvent
 * @typedef {import('../agent/events').DiskEvent} DiskEvent
 * @typedef {import('../agent/events').LoadEvent} LoadEvent
 * @typedef {import('../agent/events').HelloEvent} HelloEvent
 * @typedef {import('../agent/events').Topic} Topic
 * @typedef {import('./format.js').Thresholds} Thresholds
 * @typedef {import('./feed.js').FeedStatus} FeedStatus
 *
 * @typedef {object} HostOptions
 * @property {URL} base the agent's base URL
 * @property {number} ringSize how many events the agent keeps for replay: the backfill asks for them all
 * @property {Thresholds} thresholds
 * @property {() => number} windowMs the charts' window
 * @property {() => void} requestDraw asks for a draw on the next animation frame
 * @property {(() => void) | undefined} onRemove shows a Remove button that calls it
 *
 * @typedef {object} HostView
 * @property {HTMLElement} element
 * @property {(drawCharts: boolean) => void} draw renders what arrived since the last draw
 * @property {(now: number) => void} tick once a second: the feed's watchdog, uptime and "no data for" counters
 * @property {() => void} invalidateCharts redraws the charts on the next draw (the window changed, or pause ended)
 * @property {() => void} restyle rebuilds the charts in the current theme's colours
 */

const STATE_LABELS = { connecting: 'Connecting…', live: 'Live', stale: 'Stale', reconnecting: 'Reconnecting…' };

/** @param {HostOptions} options @returns {HostView} */
export function createHostView({ base, ringSize, thresholds, windowMs, requestDraw, onRemove }) {
  const element = cloneTemplate('host-template');
  const isRemote = base.origin !== location.origin;
  setText($(element, '.host-name'), isRemote ? base.host : location.host);

  const remove = /** @type {HTMLButtonElement} */ ($(element, '.remove-host'));
  if (onRemove) {
    remove.hidden = false;
    remove.addEventListener('click', onRemove);
  }

  /** The latest payload of each kind, drawn on the next frame. */
  const latest = {
    /** @type {HelloEvent | undefined} */ hello: undefined,
    /** @type {CpuEvent | undefined} */ cpu: undefined,
    /** @type {LoadEvent | undefined} */ load: undefined,
    /** @type {MemoryEvent | undefined} */ memory: undefined,
    /** @type {DiskEvent | undefined} */ disk: undefined,
  };
  const histories = { cpu: createHistory(), memory: createHistory(), disk: createHistory() };
  const percentAxis = { format: formatPercent, yRange: () => /** @type {[number, number]} */ ([0, 1]) };
  const charts = [
    createChart($(element, '.chart-cpu'), { title: 'CPU usage', ...percentAxis, style: (_name, index) => ({ colour: index, filled: index === 0 }) }, histories.cpu, windowMs),
    createChart(
      $(element, '.chart-memory'),
      {
        title: 'Memory',
        format: formatBytes,
        yRange: (max) => [0, latest.memory?.totalBytes ?? max],
        yIncrements: BINARY_INCREMENTS,
        style: (_name, index) => ({ colour: index, filled: index === 0 }),
      },
      histories.memory,
      windowMs,
    ),
    createChart(
      $(element, '.chart-disk'),
      {
        title: 'Disk throughput',
        format: formatRate,
        yRange: (max) => [0, Math.max(max * 1.1, 1024)],
        yIncrements: BINARY_INCREMENTS,
        // Two series per device, read then write: one colour per device, reads filled, writes dashed.
        style: (name, index) => ({ colour: Math.floor(index / 2), dashed: name.endsWith(' write'), filled: name.endsWith(' read') }),
      },
      histories.disk,
      windowMs,
    ),
  ];

  /** Collectors failing now: the latest message, and when this page first saw them fail. */
  /** @type {Map<Topic, { message: string, since: number }>} */
  const collectorErrors = new Map();
  /** Why the agent turned this page away, shown until it is let in. */
  let busyNote = '';
  let figuresDirty = false;
  let chartsDirty = false;
  /** @type {FeedStatus} */
  let status = { state: 'connecting', lastSampleAt: 0, missed: 0, everLive: false };

  const changed = (/** @type {boolean} */ chartData) => {
    figuresDirty = true;
    chartsDirty ||= chartData;
    requestDraw();
  };

  /** The samples after this point are not continuous with those before: say so, and break the chart lines. @param {string} message */
  const discontinuity = (message) => {
    const notice = $(element, '.notice');
    notice.textContent = message;
    notice.hidden = false;
    for (const history of Object.values(histories)) history.breakLine();
    changed(true);
  };

  const feed = connectFeed(
    base,
    ringSize,
    {
      hello(data) {
        latest.hello = data;
        busyNote = '';
        changed(false);
      },
      cpu(data) {
        latest.cpu = data;
        collectorErrors.delete('cpu');
        histories.cpu.push(data.ts, data.modes.iowait === undefined ? { busy: data.usage } : { busy: data.usage, iowait: data.modes.iowait });
        changed(true);
      },
      memory(data) {
        latest.memory = data;
        collectorErrors.delete('memory');
        histories.memory.push(data.ts, { used: data.usedBytes, cached: data.cachedBytes, 'swap used': data.swapUsedBytes });
        changed(true);
      },
      disk(data) {
        latest.disk = data;
        collectorErrors.delete('disk');
        histories.disk.push(
          data.ts,
          Object.fromEntries(data.devices.flatMap((d) => [[`${d.device} read`, d.readBytesPerSecond], [`${d.device} write`, d.writeBytesPerSecond]])),
        );
        changed(true);
      },
      load(data) {
        latest.load = data;
        collectorErrors.delete('load');
        changed(false);
      },
      'collector-error'(data) {
        // The text stays the same while the failure does, so screen readers announce it once.
        collectorErrors.set(data.collector, { message: data.message, since: collectorErrors.get(data.collector)?.since ?? data.ts });
        changed(false);
      },
      reset(data) {
        const messages = {
          'other-boot': `The agent restarted at ${formatClock(Date.now())}: samples from while it was down are missing.`,
          'too-old': 'The connection was down longer than the agent keeps events: some samples are missing.',
          'unknown-id': 'The agent could not resume where this page left off: some samples may be missing.',
        };
        discontinuity(messages[data.reason]);
      },
      busy(data) {
        busyNote = `The agent is at its client limit (${data.clients} clients); retrying in ${formatDuration(data.retryMs)}.`;
        changed(false);
      },
    },
    (next) => {
      status = next;
      changed(false);
    },
  );

  const drawState = (/** @type {number} */ now) => {
    element.dataset.state = status.state;
    element.dataset.missed = String(status.missed);
    setText($(element, '.state-label'), STATE_LABELS[status.state]);
    const details = status.state === 'live' ? [] : [busyNote].filter(Boolean);
    if (status.state === 'stale') details.push(`No data for ${formatDuration(now - status.lastSampleAt)}.`);
    if (status.state === 'reconnecting' && status.lastSampleAt) details.push(`Last data at ${formatClock(status.lastSampleAt)}.`);
    if (status.state === 'reconnecting' && !status.everLive && isRemote) {
      details.push(`Cannot reach ${base.origin}. If it is up, its cors.origins must include ${location.origin}.`);
    }
    if (status.missed > 0) details.push(`${status.missed} events missed.`);
    setText($(element, '.state-detail'), details.join(' '));
  };

  return {
    element,
    draw(drawCharts) {
      const now = Date.now();
      if (figuresDirty) {
        figuresDirty = false;
        drawState(now);
        if (latest.hello) drawHello(element, latest.hello, now);
        if (latest.cpu) drawCpu(element, latest.cpu, thresholds);
        if (latest.load) drawLoad(element, latest.load);
        if (latest.memory) drawMemory(element, latest.memory, thresholds);
        if (latest.disk) drawDisk(element, latest.disk, thresholds);
        drawCollectorErrors(element, collectorErrors);
      }
      if (drawCharts && chartsDirty) {
        chartsDirty = false;
        for (const chart of charts) chart.draw();
      }
    },
    tick(now) {
      feed.tick(now);
      drawState(now);
      if (latest.hello) drawUptime(element, latest.hello, now);
    },
    invalidateCharts() {
      chartsDirty = true;
      requestDraw();
    },
    restyle() {
      for (const chart of charts) chart.restyle();
    },
  };
}

