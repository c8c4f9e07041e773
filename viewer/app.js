// @ts-check
/**
 * The page: which agents to watch (`?agents=`), the window (`?window=`, minutes) or a range dragged on a chart
 * (`?from=&to=`, ms), pause and theme controls, and one shared drawing pass for every card. The URL is the page's state, so a view can be bookmarked and shared; adding or removing an agent
 * loads the new URL, whose Content-Security-Policy the agent computes to allow exactly those agents.
 */
import { DEFAULT_THRESHOLDS } from './format.js';
import { createFrames } from './frames.js';
import { createHostView } from './hosts.js';

/**
 * @typedef {import('./format.js').Thresholds & { maxAgents: number, replay: number, agents?: string[] }} ViewerConfig what
 * /viewer-config.json holds; `agents`: the agent's viewer.agents, shown when the URL names none
 * @typedef {import('./hosts.js').HostView} HostView
 */

/** The windows offered, in minutes: 5 min to 7 days (index.html's options). */
const WINDOWS_MIN = ['5', '60', '360', '1440', '10080'];
const THEME_KEY = 'hostfeed.theme';
const TICK_MS = 1000;
/** At most one drawing pass a second: the agents' shortest default interval, and about a pixel of a 5-minute chart. */
const DRAW_PACE_MS = 1000;

/** @param {string} id */
function byId(id) {
  return /** @type {HTMLElement} */ (document.getElementById(id));
}

/** @returns {Promise<ViewerConfig>} */
async function loadConfig() {
  try {
    const response = await fetch('viewer-config.json');
    if (response.ok) return await response.json();
  } catch {
    // Not served by an agent (e.g. a copy of the files): the defaults are the agent's defaults.
  }
  return { ...DEFAULT_THRESHOLDS, maxAgents: 16, replay: 1024 };
}

/** An agent's base URL as the page keeps it: http(s), no query or fragment, no trailing slash. @param {string} text */
function parseAgentUrl(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The agents named in `?agents=` (comma-separated, or repeated), valid ones only, in order, without repeats. */
function agentsFromQuery() {
  const params = new URLSearchParams(location.search);
  const urls = params.getAll('agents').flatMap((value) => value.split(',')).map(parseAgentUrl);
  return [...new Set(urls.filter((url) => url !== undefined))];
}

/** A range in `?from=&to=` (ms), if both are there and make one. @param {URLSearchParams} params @returns {[number, number] | undefined} */
function zoomFromQuery(params) {
  const [from, to] = [Number(params.get('from')), Number(params.get('to'))];
  return params.has('from') && params.has('to') && Number.isFinite(from) && Number.isFinite(to) && from < to ? [from, to] : undefined;
}

/** Loads the page for these agents; none means this page's own agent. @param {string[]} agents */
function showAgents(agents) {
  const params = new URLSearchParams(location.search);
  if (agents.length) params.set('agents', agents.join(','));
  else params.delete('agents');
  location.search = params.toString();
}

function setUpTheme(/** @type {() => void} */ restyle) {
  const select = /** @type {HTMLSelectElement} */ (byId('theme-select'));
  const apply = (/** @type {string} */ theme) => {
    if (theme) document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
    restyle();
  };
  let stored = '';
  try {
    stored = localStorage.getItem(THEME_KEY) ?? '';
  } catch {
    // Storage refused (privacy settings): the choice lasts for this page only.
  }
  select.value = stored;
  if (stored) document.documentElement.dataset.theme = stored;
  select.addEventListener('change', () => {
    try {
      localStorage.setItem(THEME_KEY, select.value);
    } catch {
      // As above.
    }
    apply(select.value);
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => apply(select.value));
}

/** @param {string[]} agents @param {number} maxAgents */
function setUpAddAgent(agents, maxAgents) {
  const form = /** @type {HTMLFormElement} */ (byId('add-agent'));
  const input = /** @type {HTMLInputElement} */ (byId('agent-url'));
  const error = byId('agent-url-error');
  input.setAttribute('aria-describedby', error.id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = parseAgentUrl(input.value);
    // Adding to the page's own agent keeps it on show, under its full URL.
    const current = agents.length ? agents : [/** @type {string} */ (parseAgentUrl(new URL('.', location.href).href))];
    if (!url) error.textContent = 'Enter an http:// or https:// address, e.g. http://host:9780';
    else if (current.includes(url)) error.textContent = 'That agent is already shown.';
    else if (current.length >= maxAgents) error.textContent = `At most ${maxAgents} agents fit on one page.`;
    else showAgents([...current, url]);
  });
}

async function main() {
  const config = await loadConfig();
  // The CSP allows the agents of viewer.agents only to a page whose URL has no `agents` parameter.
  const fromUrl = new URLSearchParams(location.search).has('agents');
  const agents = (fromUrl ? agentsFromQuery() : (config.agents ?? [])).slice(0, config.maxAgents);
  const params = new URLSearchParams(location.search);
  const windowSelect = /** @type {HTMLSelectElement} */ (byId('window-select'));
  windowSelect.value = WINDOWS_MIN.includes(params.get('window') ?? '') ? /** @type {string} */ (params.get('window')) : WINDOWS_MIN[0];
  const windowMs = () => Number(windowSelect.value) * 60_000;
  let paused = false;
  /** A range dragged on a chart, shown by every chart of every card instead of the window. */
  /** @type {[number, number] | undefined} */
  let zoom = zoomFromQuery(params);
  /** @param {[number, number] | undefined} range */
  const setZoom = (range) => {
    zoom = range;
    if (range) {
      params.set('from', String(range[0]));
      params.set('to', String(range[1]));
    } else {
      params.delete('from');
      params.delete('to');
    }
    history.replaceState(null, '', `?${params}`);
    for (const view of views) void view.showZoom();
  };

  /** @type {HostView[]} */
  const views = [];
  const frames = createFrames(() => {
    for (const view of views) view.draw(!paused);
  }, DRAW_PACE_MS);
  const requestDraw = frames.request;

  const bases = agents.length ? agents.map((agent) => new URL(`${agent}/`)) : [new URL('.', location.href)];
  // Several agents: an overview row each, expanded one at a time by whoever reads them.
  const collapsible = bases.length > 1;
  for (const [index, base] of bases.entries()) {
    const href = base.href.replace(/\/$/, '');
    const onRemove = agents.length > 1 ? () => showAgents(agents.filter((agent) => agent !== href)) : undefined;
    views.push(
      createHostView({ id: `host-${index}`, base, ringSize: config.replay, thresholds: config, windowMs, requestDraw, onRemove, collapsible, zoom: () => zoom, onZoom: setZoom }),
    );
  }
  byId('hosts').replaceChildren(...views.map((view) => view.element));
  byId('hosts').dataset.count = String(views.length);
  byId('hosts').dataset.layout = collapsible ? 'overview' : 'cards';


  windowSelect.addEventListener('change', () => {
    params.set('window', windowSelect.value);
    history.replaceState(null, '', `?${params}`);
    for (const view of views) {
      void view.loadStored();
      view.invalidateCharts();
    }
    // Choosing a window leaves a zoomed range.
    if (zoom) setZoom(undefined);
  });

  const pause = byId('pause-button');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume charts' : 'Pause charts';
    byId('paused-note').textContent = paused ? 'Charts paused: samples keep arriving and are drawn on resume.' : '';
    if (!paused) for (const view of views) view.invalidateCharts();
  });

  setUpTheme(() => {
    for (const view of views) view.restyle();
  });
  setUpAddAgent(agents, config.maxAgents);

  setInterval(() => {
    const now = Date.now();
    for (const view of views) view.tick(now);
  }, TICK_MS);
}

void main();
