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
}

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
  const table = $(card, '.devices');
  table.hidden = disk.devices.length === 0;
  renderList($(table, 'tbody'), disk.devices, (d) => d.device, createDeviceRow, (row, d) => {
    const cells = /** @type {HTMLElement[]} */ ([...row.children]);
    setText(cells[0], d.device);
    setText(cells[1], formatRate(d.readBytesPerSecond));
    setText(cells[2], formatRate(d.writeBytesPerSecond));
    setText(cells[3], formatPercent(d.busyRatio));
  });
}

function createDeviceRow() {
  const row = document.createElement('tr');
  const name = document.createElement('th');
  name.scope = 'row';
  row.append(name, ...Array.from({ length: 3 }, () => document.createElement('td')));
  return row;
}

/**
 * Where each collector's failure is shown: the disk collector reads the filesystems. A topic without a panel has no
 * place for it yet.
 * @type {Partial<Record<Topic, string>>}
 */
const ERROR_PANELS = { cpu: '.panel-cpu', load: '.panel-load', memory: '.panel-memory', disk: '.panel-filesystems' };

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
