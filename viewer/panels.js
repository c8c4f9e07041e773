// @ts-check
/**
 * The figures of a host card, drawn from the newest payload of each kind: plain DOM writes into the clones of
 * index.html's templates, each text written only when it changes.
 */
import { formatBytes, formatClock, formatCount, formatDuration, formatLoad, formatPercent, formatRate, levelOf, loadPerCore } from './format.js';
import { fullestFilesystem, inodesUsedRatio } from './summary.js';

/**
 * @typedef {import('../agent/events').CpuEvent} CpuEvent
 * @typedef {import('../agent/events').MemoryEvent} MemoryEvent
 * @typedef {import('../agent/events').DiskEvent} DiskEvent
 * @typedef {import('../agent/events').LoadEvent} LoadEvent
 * @typedef {import('../agent/events').HelloEvent} HelloEvent
 * @typedef {import('../agent/events').NetworkEvent} NetworkEvent
 * @typedef {import('../agent/events').NetworkInterface} NetworkInterface
 * @typedef {import('../agent/events').PressureEvent} PressureEvent
 * @typedef {import('../agent/events').ProcessesEvent} ProcessesEvent
 * @typedef {import('../agent/events').ProcessEntry} ProcessEntry
 * @typedef {import('../agent/events').AlertEvent} AlertEvent
 * @typedef {import('../agent/events').Filesystem} Filesystem
 * @typedef {import('../agent/events').Topic} Topic
 * @typedef {import('./format.js').Thresholds} Thresholds
 * @typedef {import('./format.js').Level} Level
 *
 * @typedef {object} Latest the newest payload of each kind, as a card holds them
 * @property {HelloEvent} [hello]
 * @property {CpuEvent} [cpu]
 * @property {LoadEvent} [load]
 * @property {MemoryEvent} [memory]
 * @property {DiskEvent} [disk]
 * @property {NetworkEvent} [network]
 * @property {PressureEvent} [pressure]
 * @property {ProcessesEvent} [processes]
 *
 * @typedef {'cpu' | 'memory'} ProcessOrder what the process list is sorted by, most first
 */

/** @param {ParentNode} root @param {string} selector */
export function $(root, selector) {
  return /** @type {HTMLElement} */ (root.querySelector(selector));
}

/** @param {string} id the id of a <template> whose first element is cloned */
export function cloneTemplate(id) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById(id));
  return /** @type {HTMLElement} */ (/** @type {Element} */ (template.content.firstElementChild).cloneNode(true));
}

/** Writes only on change: most figures stay the same from one sample to the next. @param {HTMLElement} el @param {string} text */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets data-level (none: no colour) only on change, as setText. @param {HTMLElement} el @param {Level | undefined} level */
function setLevel(el, level) {
  if (el.dataset.level === level) return;
  if (level) el.dataset.level = level;
  else delete el.dataset.level;
}

/** @param {HTMLElement} el @param {string} text @param {Level | undefined} level */
function setFigure(el, text, level) {
  setText(el, text);
  setLevel(el, level);
}

/** @param {HTMLElement} fill a .meter-fill @param {number} ratio @param {Thresholds} thresholds */
function setMeter(fill, ratio, thresholds) {
  const width = `${Math.min(100, Math.max(0, ratio * 100)).toFixed(1)}%`;
  if (fill.style.width !== width) fill.style.width = width;
  setLevel(fill, levelOf(ratio, thresholds));
}

/**
 * Keeps one child per key in list order, cloning the template for new keys and dropping the gone ones.
 * @template T
 * @param {HTMLElement} list
 * @param {T[]} items
 * @param {(item: T) => string} keyOf
 * @param {() => HTMLElement} create
 * @param {(el: HTMLElement, item: T) => void} render
 */
function renderList(list, items, keyOf, create, render) {
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map([...list.children].map((el) => [/** @type {HTMLElement} */ (el).dataset.key ?? '', /** @type {HTMLElement} */ (el)]));
  const children = items.map((item) => {
    const key = keyOf(item);
    const el = existing.get(key) ?? create();
    el.dataset.key = key;
    render(el, item);
    return el;
  });
  const unchanged = children.length === list.children.length && children.every((el, i) => list.children[i] === el);
  if (!unchanged) list.replaceChildren(...children);
}

/** @param {HTMLElement} card @param {HelloEvent} hello @param {number} now the time the uptime is given for */
export function drawHello(card, hello, now) {
  setText($(card, '.host-name'), hello.host);
  setText($(card, '.fact-os'), `${hello.os.distro}, kernel ${hello.os.kernel} (${hello.os.arch})`);
  setText($(card, '.fact-cpu'), `${hello.cpu.model}, ${hello.cpu.cores} ${hello.cpu.cores === 1 ? 'core' : 'cores'}`);
  drawUptime(card, hello, now);
  setText($(card, '.fact-agent'), `hostfeed ${hello.agent} (${hello.source})`);
  // A panel for a topic this agent does not sample (disabled, or not on its source) is not shown at all.
  for (const panel of /** @type {NodeListOf<HTMLElement>} */ (card.querySelectorAll('.panel[data-topic]'))) {
    panel.hidden = !hello.topics.includes(/** @type {Topic} */ (panel.dataset.topic));
  }
}

/** @param {number} perSecond */
const formatPerSecond = (perSecond) => `${formatCount(perSecond)}/s`;

/** @param {HTMLElement} card @param {HelloEvent} hello @param {number} now */
function drawUptime(card, hello, now) {
  setText($(card, '.fact-uptime'), formatDuration(now - hello.bootTs));
}

/** @param {HTMLElement} card @param {CpuEvent} cpu @param {Thresholds} thresholds */
export function drawCpu(card, cpu, thresholds) {
  setFigure($(card, '.cpu-usage'), formatPercent(cpu.usage), levelOf(cpu.usage, thresholds));
  renderList($(card, '.cores'), cpu.cores, (core) => core.cpu, () => cloneTemplate('core-template'), (li, core) => {
    setText($(li, '.core-name'), `cpu${core.cpu}`);
    setText($(li, '.core-value'), formatPercent(core.usage));
    setMeter($(li, '.meter-fill'), core.usage, thresholds);
  });
  // The kernel-wide counters of /proc/stat, where the source has them.
  const kernel = $(card, '.cpu-kernel');
  kernel.hidden = cpu.contextSwitchesPerSecond === undefined;
  if (cpu.contextSwitchesPerSecond !== undefined) setText($(card, '.cpu-context-switches'), formatPerSecond(cpu.contextSwitchesPerSecond));
  if (cpu.interruptsPerSecond !== undefined) setText($(card, '.cpu-interrupts'), formatPerSecond(cpu.interruptsPerSecond));
  if (cpu.forksPerSecond !== undefined) setText($(card, '.cpu-forks'), formatPerSecond(cpu.forksPerSecond));
  if (cpu.procsRunning !== undefined) setText($(card, '.cpu-procs'), `${cpu.procsRunning} · ${cpu.procsBlocked ?? '–'}`);
}

/** Logical CPUs, as hello has them, else counted from the per-core figures; 0 before either arrived. @param {Latest} latest */
export function coresOf(latest) {
  return latest.hello?.cpu.cores || latest.cpu?.cores.length || 0;
}

/** @param {HTMLElement} card @param {LoadEvent} load @param {number} cores */
export function drawLoad(card, load, cores) {
  const perCore = loadPerCore(load.load1, cores);
  setFigure($(card, '.load-1'), formatLoad(load.load1), perCore?.level);
  setFigure($(card, '.load-per-core'), perCore ? `1 min · ${perCore.text}` : '1 min', perCore?.level);
  setText($(card, '.load-values'), [load.load1, load.load5, load.load15].map(formatLoad).join(' · '));
}

/** The overview row: one figure per resource, each in its level's colour. @param {HTMLElement} card @param {Latest} latest @param {Thresholds} thresholds */
export function drawSummary(card, latest, thresholds) {
  const { cpu, memory, disk, load } = latest;
  if (cpu) setFigure($(card, '.summary-cpu'), formatPercent(cpu.usage), levelOf(cpu.usage, thresholds));
  if (memory) setFigure($(card, '.summary-memory'), formatPercent(memory.usedRatio), levelOf(memory.usedRatio, thresholds));
  const fullest = disk && fullestFilesystem(disk.filesystems);
  if (fullest) {
    const unreadable = fullest.what === 'unreadable';
    const text = unreadable ? `${fullest.mountpoint} unreadable` : `${fullest.mountpoint}${fullest.what === 'inodes' ? ' inodes' : ''} ${formatPercent(fullest.usedRatio)}`;
    setFigure($(card, '.summary-filesystem'), text, unreadable ? 'critical' : levelOf(fullest.usedRatio, thresholds));
  }
  if (load) {
    const perCore = loadPerCore(load.load1, coresOf(latest));
    setFigure($(card, '.summary-load'), `${formatLoad(load.load1)}${perCore ? ` (${perCore.text})` : ''}`, perCore?.level);
  }
}

/** @param {HTMLElement} card @param {MemoryEvent} mem @param {Thresholds} thresholds */
export function drawMemory(card, mem, thresholds) {
  setFigure($(card, '.memory-used'), formatBytes(mem.usedBytes), levelOf(mem.usedRatio, thresholds));
  setText($(card, '.memory-of'), `used of ${formatBytes(mem.totalBytes)} (${formatPercent(mem.usedRatio)})`);
  setMeter($(card, '.memory-bar'), mem.usedRatio, thresholds);
  setText($(card, '.memory-available'), formatBytes(mem.availableBytes));
  setText($(card, '.memory-cached'), formatBytes(mem.cachedBytes));
  setText($(card, '.memory-buffers'), formatBytes(mem.buffersBytes));
  setText($(card, '.memory-swap'), mem.swapTotalBytes > 0 ? `${formatBytes(mem.swapUsedBytes)} of ${formatBytes(mem.swapTotalBytes)}` : 'none');
}

/** @param {HTMLElement} li @param {Filesystem} fs @param {Thresholds} thresholds */
function drawFilesystem(li, fs, thresholds) {
  setText($(li, '.fs-mount'), fs.mountpoint);
  setFigure($(li, '.fs-usage'), fs.error ? 'unreadable' : `${formatPercent(fs.usedRatio)}${fs.readonly ? ' · read-only' : ''}`, fs.error ? 'critical' : levelOf(fs.usedRatio, thresholds));
  setMeter($(li, '.meter-fill'), fs.usedRatio, thresholds);
  // No inode figure where the source has no counts (absent) or the filesystem no fixed count (0).
  const inodes = fs.files ? ` · inodes ${formatPercent(inodesUsedRatio(fs))} used, ${formatCount(fs.filesFree ?? 0)} free` : '';
  setText(
    $(li, '.fs-detail'),
    fs.error ? `${fs.device}: ${fs.error}` : `${formatBytes(fs.availBytes)} free of ${formatBytes(fs.sizeBytes)}${inodes} · ${fs.device} (${fs.fstype})`,
  );
}

/** @param {HTMLElement} card @param {DiskEvent} disk @param {Thresholds} thresholds */
export function drawDisk(card, disk, thresholds) {
  renderList(
    $(card, '.filesystems'),
    disk.filesystems,
    (fs) => fs.mountpoint,
    () => cloneTemplate('filesystem-template'),
    (li, fs) => drawFilesystem(li, fs, thresholds),
  );
  const table = $(card, '.disk-devices');
  table.hidden = disk.devices.length === 0;
  renderList($(table, 'tbody'), disk.devices, (d) => d.device, createDeviceRow, (row, d) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    setText(cells[0], d.device);
    setText(cells[1], formatRate(d.readBytesPerSecond));
    setText(cells[2], formatRate(d.writeBytesPerSecond));
    setText(cells[3], formatPercent(d.busyRatio));
  });
}

/** A table row: a row header, then `cells` data cells. @param {number} cells */
function createRow(cells) {
  const row = document.createElement('tr');
  const name = document.createElement('th');
  name.scope = 'row';
  row.append(name, ...Array.from({ length: cells }, () => document.createElement('td')));
  return row;
}

const createDeviceRow = () => createRow(3);

/** Errors or drops per second in both directions; '–' where the source does not count them. @param {(number | undefined)[]} rates */
function sumOfRates(...rates) {
  const known = rates.filter((rate) => rate !== undefined);
  return known.length ? known.reduce((sum, rate) => sum + rate, 0) : undefined;
}

/** A count of failures per second: red when any. @param {HTMLElement} cell @param {number | undefined} perSecond */
function setFailureRate(cell, perSecond) {
  setFigure(cell, perSecond === undefined ? '–' : formatPerSecond(perSecond), perSecond ? 'critical' : undefined);
}

/** @param {HTMLElement} card @param {NetworkEvent} network */
export function drawNetwork(card, network) {
  renderList($(card, '.interfaces tbody'), network.interfaces, (i) => i.device, () => createRow(4), (row, i) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    // A link that is down says so in words beside its name (and in the muted colour).
    setFigure(cells[0], i.up === false ? `${i.device} (${i.operstate ?? 'down'})` : i.device, undefined);
    cells[0].classList.toggle('down', i.up === false);
    setText(cells[1], formatRate(i.receiveBytesPerSecond));
    setText(cells[2], formatRate(i.transmitBytesPerSecond));
    setFailureRate(cells[3], sumOfRates(i.receiveErrorsPerSecond, i.transmitErrorsPerSecond));
    setFailureRate(cells[4], sumOfRates(i.receiveDropsPerSecond, i.transmitDropsPerSecond));
  });
}

/** The resources PSI reports, as the pressure event names them. */
const PRESSURE_RESOURCES = /** @type {const} */ (['cpu', 'memory', 'io', 'irq']);
const PRESSURE_NAMES = { cpu: 'CPU', memory: 'Memory', io: 'I/O', irq: 'IRQ' };

/** @param {HTMLElement} card @param {PressureEvent} pressure */
export function drawPressure(card, pressure) {
  const rows = PRESSURE_RESOURCES.flatMap((resource) => {
    const shares = pressure[resource];
    return shares ? [{ resource, some: 'some' in shares ? shares.some : undefined, full: shares.full }] : [];
  });
  $(card, '.pressure').hidden = rows.length === 0;
  $(card, '.pressure-absent').hidden = rows.length > 0;
  renderList($(card, '.pressure tbody'), rows, (r) => r.resource, () => createRow(2), (row, r) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    setText(cells[0], PRESSURE_NAMES[r.resource]);
    setText(cells[1], r.some === undefined ? '–' : formatPercent(r.some));
    setText(cells[2], r.full === undefined ? '–' : formatPercent(r.full));
  });
}

/** States worth a word beside the totals (sleeping and idle are the normal ones). */
const STATE_WORDS = { R: 'running', D: 'in disk sleep', Z: 'zombie', T: 'stopped' };

/** A process row: its name and command line in the row header, then eight figures. */
function createProcessRow() {
  const row = createRow(8);
  const [name, command] = [document.createElement('span'), document.createElement('span')];
  name.className = 'name';
  command.className = 'command';
  /** @type {HTMLElement} */ (row.firstElementChild).append(name, command);
  return row;
}

/** @param {ProcessEntry[]} processes @param {ProcessOrder} order @returns {ProcessEntry[]} */
export function sortProcesses(processes, order) {
  const key = order === 'cpu' ? (/** @type {ProcessEntry} */ p) => p.cpuSecondsPerSecond : (/** @type {ProcessEntry} */ p) => p.rssBytes;
  // Ties by pid, so that equal processes keep their rows from one sample to the next.
  return [...processes].sort((a, b) => key(b) - key(a) || a.pid - b.pid);
}

/** @param {HTMLElement} card @param {ProcessesEvent} processes @param {ProcessOrder} order */
export function drawProcesses(card, processes, order) {
  const [busiest] = sortProcesses(processes.top, 'cpu');
  // Named beside the CPU figure too: the first question when a host is busy is who.
  const busiestNote = $(card, '.cpu-busiest');
  busiestNote.hidden = !busiest;
  if (busiest) setText(busiestNote, `Busiest: ${busiest.name} (pid ${busiest.pid}), ${formatPercent(busiest.cpuSecondsPerSecond)} of a core`);
  setText($(card, '.busiest'), busiest ? formatPercent(busiest.cpuSecondsPerSecond) : '–');
  // As top(1): 100 % is one core's worth, so a process running on four cores shows 400 %.
  setText($(card, '.busiest-caption'), busiest ? `CPU (100% = one core): ${busiest.name}, pid ${busiest.pid}, ${busiest.user}, is the busiest` : '');
  const states = Object.entries(STATE_WORDS).flatMap(([letter, word]) => (processes.states[letter] ? [`${processes.states[letter]} ${word}`] : []));
  setText($(card, '.process-counts'), [`${processes.total} processes, ${processes.threads} threads`, ...states].join(' · '));
  const table = $(card, '.processes');
  setText($(card, '.processes-caption'), `The busiest by CPU and by memory, sorted by ${order === 'cpu' ? 'CPU' : 'memory'}`);
  for (const th of /** @type {NodeListOf<HTMLElement>} */ (table.querySelectorAll('th[data-sort]'))) {
    if (th.dataset.sort === order) th.setAttribute('aria-sort', 'descending');
    else th.removeAttribute('aria-sort');
  }
  renderList($(table, 'tbody'), sortProcesses(processes.top, order), (p) => String(p.pid), createProcessRow, (row, p) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    setText($(cells[0], '.name'), p.name);
    // The command line where it says more than the name (kernel threads have none).
    setText($(cells[0], '.command'), p.command && p.command !== p.name ? p.command : '');
    if (cells[0].title !== (p.command || p.name)) cells[0].title = p.command || p.name;
    setText(cells[1], String(p.pid));
    setText(cells[2], p.user);
    setText(cells[3], p.state);
    setText(cells[4], formatPercent(p.cpuSecondsPerSecond));
    setText(cells[5], formatBytes(p.rssBytes));
    setText(cells[6], String(p.threads));
    setText(cells[7], p.readBytesPerSecond === undefined ? '–' : formatRate(p.readBytesPerSecond));
    setText(cells[8], p.writeBytesPerSecond === undefined ? '–' : formatRate(p.writeBytesPerSecond));
  });
}

/** An alert's severity as the page's levels: critical red, warning amber, info none. @param {string} severity @returns {Level | undefined} */
const levelOfSeverity = (severity) => (severity === 'critical' ? 'critical' : severity === 'warning' ? 'warn' : undefined);

/** The name of an alert with the labels that tell its series apart (device, mountpoint, ...). @param {AlertEvent} alert */
function alertTitle(alert) {
  const own = Object.entries(alert.labels).filter(([name]) => !['alertname', 'severity', 'instance', 'job'].includes(name));
  return own.length ? `${alert.name} (${own.map(([, value]) => value).join(', ')})` : alert.name;
}

/** How long an active alert has been in its state, said as a person would. @param {AlertEvent} alert @param {number} now */
function alertAge(alert, now) {
  if (alert.state === 'firing') return `firing for ${formatDuration(now - (alert.firedAt ?? alert.activeAt))}`;
  return `pending for ${formatDuration(now - alert.activeAt)} of ${formatDuration(alert.forMs)}`;
}

/**
 * The alert strip (active alerts, firing first, then by when they started) and the log of the last changes.
 * @param {HTMLElement} card @param {AlertEvent[]} active @param {AlertEvent[]} log newest first @param {number} now
 */
export function drawAlerts(card, active, log, now) {
  const sorted = [...active].sort((a, b) => Number(b.state === 'firing') - Number(a.state === 'firing') || a.activeAt - b.activeAt);
  const strip = $(card, '.alerts');
  strip.hidden = sorted.length === 0;
  renderList(strip, sorted, (a) => `${a.name}${JSON.stringify(a.labels)}`, () => document.createElement('li'), (li, a) => {
    li.className = 'alert';
    li.dataset.state = a.state;
    setLevel(li, a.state === 'firing' ? levelOfSeverity(a.severity) : undefined);
    setText(li, `${alertTitle(a)}, ${a.severity}: ${a.summary} · ${alertAge(a, now)}`);
  });
  const firing = sorted.filter((a) => a.state === 'firing');
  const pending = sorted.length - firing.length;
  const worst = firing.some((a) => a.severity === 'critical') ? 'critical' : firing.some((a) => a.severity === 'warning') ? 'warn' : undefined;
  const counts = [firing.length ? `${firing.length} firing` : '', pending ? `${pending} pending` : ''].filter(Boolean).join(', ');
  setFigure($(card, '.summary-alerts'), counts || 'none', worst);

  const details = $(card, '.alert-log');
  details.hidden = log.length === 0;
  setText($(details, 'summary'), `Alert log (${log.length})`);
  renderList($(details, 'tbody'), log, (a) => `${a.name}${JSON.stringify(a.labels)}${a.state}${a.ts}`, () => createRow(4), (row, a) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    setText(cells[0], alertTitle(a));
    setFigure(cells[1], a.state, a.state === 'firing' ? levelOfSeverity(a.severity) : undefined);
    setText(cells[2], formatClock(a.ts));
    setText(cells[3], formatClock(a.activeAt));
    setText(cells[4], a.resolvedAt === undefined ? '–' : formatDuration(a.resolvedAt - a.activeAt));
  });
}

/** Where each collector's failure is shown: the disk collector reads the filesystems. @type {Record<Topic, string>} */
const ERROR_PANELS = {
  cpu: '.panel-cpu',
  load: '.panel-load',
  memory: '.panel-memory',
  disk: '.panel-filesystems',
  network: '.panel-network',
  pressure: '.panel-pressure',
  processes: '.panel-processes',
};

/** @param {HTMLElement} card @param {Map<Topic, { message: string, since: number }>} failures */
export function drawCollectorErrors(card, failures) {
  for (const selector of new Set(Object.values(ERROR_PANELS))) {
    const messages = [...failures]
      .filter(([topic]) => ERROR_PANELS[topic] === selector)
      .map(([, failure]) => `${failure.message} (failing since ${formatClock(failure.since)}).`);
    const el = $(card, `${selector} .collector-error`);
    setText(el, messages.join(' '));
    el.hidden = messages.length === 0;
  }
}
