/**
 * The viewer's main-thread time in headless Chromium (Debian's, driven by playwright-core; never a downloaded
 * browser), with 1 agent and with 16, on this checkout's viewer and on a baseline's (a git ref, `main` by default),
 * in the same run: CDP's Performance.getMetrics TaskDuration (every main-thread task: script, style, layout, paint)
 * over a fixed window, per second of the window, with the renderer's thread time (`threadTicks`) so that a busy
 * machine's waits for a core are not counted.
 *
 * 16 agents are 16 agents in this process, on loopback ports of their own (the browser opens at most 6 connections
 * to one origin, so one agent listed 16 times would starve), sharing one procfs source and the default intervals.
 * Both viewers are served by one small server of this bench from memory (the baseline's files read from git
 * objects, no checkout), which passes the rest (`/viewer-config.json`, uPlot) to the first agent; the page names its
 * agents in `?agents=`, so each card connects to its agent directly, as a multi-agent page does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startAgent, type RunningAgent } from '../agent/agent';
import { parseConfig } from '../agent/config';
import { silentLogger } from '../agent/logger';
import { createSource } from '../agent/sources';
import { ROOT } from './agent-command';

const CHROMIUM = '/usr/bin/chromium';
const AGENTS = 16;
const VIEWER_FILE = /^[A-Za-z0-9_-]+\.(?:html|js|css|svg)$/;
const CONTENT_TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml' };

export interface ViewerScenario {
  viewer: string;
  agents: number;
  /** Cards expanded (a multi-agent page of this checkout opens collapsed; the baseline has no rows to expand). */
  expanded: number;
}

export interface ViewerFigures extends ViewerScenario {
  /** Main-thread task time per second of the window, ms. */
  taskMsPerSecond: number;
  /** Of which script. */
  scriptMsPerSecond: number;
  /** Of which style and layout. */
  styleLayoutMsPerSecond: number;
}

export interface ViewerRun {
  baseline: string | undefined;
  warmupSeconds: number;
  seconds: number;
  figures: ViewerFigures[];
}

/** A viewer's files by name: from a git ref's tree, or from this checkout's viewer/. */
function viewerFiles(ref: string | undefined): Map<string, Buffer> {
  const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { maxBuffer: 16 * 2 ** 20 });
  const names = ref === undefined ? readdirSync(join(ROOT, 'viewer')) : git('ls-tree', '--name-only', `${ref}:viewer`).toString().split('\n');
  return new Map(
    names.filter((name) => VIEWER_FILE.test(name)).map((name) => [name, ref === undefined ? readFileSync(join(ROOT, 'viewer', name)) : git('show', `${ref}:viewer/${name}`)]),
  );
}

/** Serves one viewer's files at /<name> and passes any other request to `upstream` (the first agent). */
function serveViewer(files: Map<string, Buffer>, upstream: URL): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const name = path === '/' ? 'index.html' : path.slice(1);
    const file = files.get(name);
    if (file) {
      res.writeHead(200, { 'Content-Type': `${CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream'}; charset=utf-8`, 'Cache-Control': 'no-cache' });
      res.end(file);
      return;
    }
    const forward = request(new URL(req.url ?? '/', upstream), { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    forward.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** `count` agents on loopback, any origin allowed to read them; `stop` ends them all, then their shared source. */
async function startAgents(count: number): Promise<{ agents: RunningAgent[]; stop(): Promise<void> }> {
  const config = parseConfig({ host: '127.0.0.1', port: 0, cors: { origins: ['*'] } }, 'bench');
  const source = await createSource(config);
  const agents: RunningAgent[] = [];
  const stop = async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    source.close?.();
  };
  try {
    // One reader of /proc for all: an agent closes its source when it stops, so each gets it without close().
    for (let i = 0; i < count; i += 1) agents.push(await startAgent(config, { logger: silentLogger(), source: { ...source, close: undefined } }));
  } catch (err) {
    await stop();
    throw err;
  }
  return { agents, stop };
}

const metric = (metrics: { name: string; value: number }[], name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(browser: Browser, viewerUrl: string, agents: RunningAgent[], scenario: ViewerScenario, warmupSeconds: number, seconds: number): Promise<ViewerFigures> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.goto(`${viewerUrl}/?agents=${agents.slice(0, scenario.agents).map((agent) => agent.url).join(',')}`);
    await page.locator('.host[data-state="live"]').nth(scenario.agents - 1).waitFor({ timeout: 120_000 });
    for (let i = 0; i < scenario.expanded; i += 1) await page.locator('.host-toggle').nth(i).click();
    // The backfill (each agent's replay ring) is drawn during the warm-up, not measured.
    await delay(warmupSeconds * 1000);
    const before = (await cdp.send('Performance.getMetrics')).metrics;
    await delay(seconds * 1000);
    const after = (await cdp.send('Performance.getMetrics')).metrics;
    const perSecond = (...names: string[]) => {
      const elapsed = metric(after, 'Timestamp') - metric(before, 'Timestamp');
      return (names.reduce((sum, name) => sum + metric(after, name) - metric(before, name), 0) * 1000) / elapsed;
    };
    return { ...scenario, taskMsPerSecond: perSecond('TaskDuration'), scriptMsPerSecond: perSecond('ScriptDuration'), styleLayoutMsPerSecond: perSecond('RecalcStyleDuration', 'LayoutDuration') };
  } finally {
    await context.close();
  }
}

/**
 * @param baseline a git ref whose viewer to measure beside this checkout's, or undefined for none
 * @param warmupSeconds before each window, after every card went live
 * @param seconds each window
 */
export async function benchViewerFrames(baseline: string | undefined, warmupSeconds: number, seconds: number): Promise<ViewerRun> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (.ci/run installs it)`);
  const viewers = [...(baseline === undefined ? [] : [{ name: baseline, files: viewerFiles(baseline) }]), { name: 'this checkout', files: viewerFiles(undefined) }];
  const { agents, stop } = await startAgents(AGENTS);
  const servers: Server[] = [];
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const urls = new Map<string, string>();
    for (const { name, files } of viewers) {
      const { server, url } = await serveViewer(files, new URL(agents[0].url));
      servers.push(server);
      urls.set(name, url);
    }
    // Interleaved, so that both viewers see the same machine: 1 agent each, then 16 each, then this checkout's extras.
    const scenarios: ViewerScenario[] = [
      ...[1, AGENTS].flatMap((count) => viewers.map(({ name }) => ({ viewer: name, agents: count, expanded: 0 }))),
      { viewer: 'this checkout', agents: AGENTS, expanded: 1 },
      { viewer: 'this checkout', agents: AGENTS, expanded: AGENTS },
    ];
    const figures: ViewerFigures[] = [];
    for (const scenario of scenarios) figures.push(await measure(browser, urls.get(scenario.viewer)!, agents, scenario, warmupSeconds, seconds));
    return { baseline, warmupSeconds, seconds, figures };
  } finally {
    await browser?.close();
    for (const server of servers) server.close();
    await stop();
  }
}

export function viewerFramesReport(run: ViewerRun): string {
  const describe = (f: ViewerFigures) => {
    if (f.agents === 1) return '1 agent';
    if (f.viewer !== 'this checkout') return `${f.agents} agents`;
    return `${f.agents} agents, ${f.expanded === 0 ? 'rows collapsed' : f.expanded === f.agents ? 'all expanded' : `${f.expanded} expanded`}`;
  };
  const lines = [
    `viewer: main-thread time of the page in headless Chromium (CDP Performance.getMetrics, thread time), ${run.warmupSeconds} s warm-up then ${run.seconds} s measured per line; ms per second`,
  ];
  for (const viewer of [...new Set(run.figures.map((f) => f.viewer))]) {
    const ofViewer = run.figures.filter((f) => f.viewer === viewer);
    const one = ofViewer.find((f) => f.agents === 1);
    lines.push(`  ${viewer}:`);
    for (const f of ofViewer) {
      const ratio = one && f !== one ? ` (x${(f.taskMsPerSecond / one.taskMsPerSecond).toFixed(2)} of 1 agent)` : '';
      lines.push(`    ${describe(f).padEnd(30)} ${f.taskMsPerSecond.toFixed(1).padStart(7)} ms/s  script ${f.scriptMsPerSecond.toFixed(1)}, style+layout ${f.styleLayoutMsPerSecond.toFixed(1)}${ratio}`);
    }
  }
  return lines.join('\n');
}
