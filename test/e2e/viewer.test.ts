/**
 * The viewer: its HTTP surface (headers, path traversal), then the page in real headless Chromium (Debian's, driven
 * by playwright-core; never a downloaded browser) against real agents on loopback. Screenshots go to test/artifacts/.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { RunningAgent } from '../../agent/agent';
import { createSource } from '../../agent/sources';
import { parseConfig } from '../../agent/config';
import { stopTestAgents } from '../helpers/agent';
import { createFakeSource } from '../helpers/fake-source';
import { closeAfterEach, isEvent } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';
import {
  ARTIFACTS,
  cspViolations,
  host,
  launchViewerBrowser,
  openViewer as openPage,
  pixelsOfColour,
  samplesOf,
  startViewerAgent,
  textOf,
  waitForSamples,
  waitForState,
  watch,
} from '../helpers/viewer-page';

const FIRST_LOAD_BUDGET_BYTES = 150 * 1024;

const { open } = closeAfterEach();

/** GET with the path exactly as written (fetch would resolve dot segments before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname: host, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the viewer over HTTP', () => {
  let agent: RunningAgent;
  beforeAll(async () => {
    agent = await startViewerAgent();
  });
  afterAll(stopTestAgents);

  it('serves the page with a strict CSP, nosniff, no referrer and revalidation', async () => {
    const res = await fetch(`${agent.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]),
    );
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
  });

  it('allows connections to exactly the http(s) origins of ?agents=, ignoring anything else', async () => {
    const agents = ['http://10.0.0.7:9780/', 'https://h2.example/feed', 'javascript:alert(1)', 'http://x%3B%20script-src', 'not a url'].join(',');
    const res = await fetch(`${agent.url}/?agents=${encodeURIComponent(agents)}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("; connect-src 'self' http://10.0.0.7:9780 https://h2.example; ");
  });

  it('serves uPlot from node_modules and the thresholds from the config', async () => {
    const script = await fetch(`${agent.url}/vendor/uplot/uPlot.iife.min.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('uPlot');
    const css = await fetch(`${agent.url}/vendor/uplot/uPlot.min.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const config = await fetch(`${agent.url}/viewer-config.json`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    // The thresholds this test configured and sse.replay's documented default; the page's own cap is whatever it is.
    // No viewer.agents: no fleet to show, the page shows this agent.
    expect(await config.json()).toEqual({ warn: 0.5, critical: 0.95, maxAgents: expect.any(Number), replay: 1024, agents: [] });
  });

  it.each([
    '/../package.json',
    '/..%2fpackage.json',
    '/%2e%2e/package.json',
    '/%2e%2e%2fpackage.json',
    '/%252e%252e%252fpackage.json',
    '/..%5cpackage.json',
    '/..\\package.json',
    '/.%2e/agent/config.ts',
    '/%c0%ae%c0%ae/package.json',
    '/vendor/uplot/../../package.json',
    '/vendor/uplot/..%2f..%2f..%2fpackage.json',
    '/vendor/uplot/package.json',
    '/app.js/..%2f..%2fpackage.json',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/index.html%00.js',
    '/tsconfig.json',
    '/.gitignore',
  ])('never serves a file outside viewer/: GET %s', async (path) => {
    const { status, body } = await rawGet(agent.url, path);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(body).not.toContain('"devDependencies"');
    expect(body).not.toContain('root:');
    expect(body).not.toContain('compilerOptions');
  });
});

const DARK_BACKGROUND = 'rgb(15, 18, 22)';
const background = (page: Page) => page.locator('body').evaluate((body) => body.ownerDocument.defaultView.getComputedStyle(body).backgroundColor);

describe('the viewer in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchViewerBrowser>>;
  let context: BrowserContext;
  const proxies: Server[] = [];

  beforeAll(async () => {
    browser = await launchViewerBrowser();
    context = browser.context;
  });

  afterEach(async () => {
    for (const page of context.pages()) await page.close();
    for (const proxy of proxies.splice(0)) proxy.close();
    await stopTestAgents();
  });

  afterAll(async () => {
    await browser?.close();
  });

  const openViewer = (url: string) => openPage(context, url);

  it('shows live, changing numbers, with backfilled charts, no console error and a light first load', async () => {
    const agent = await startViewerAgent();
    // Let the agent's replay ring fill for a while: the page must show that history at once.
    const watcher = await open(`${agent.url}/events`);
    await watcher.waitFor(isEvent('cpu'), 12);
    const page = await context.newPage();
    const problems = watch(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const transfers = new Map<string, { url: string; type: string; bytes: number; finished: boolean }>();
    cdp.on('Network.requestWillBeSent', ({ requestId, request: req, type }) => transfers.set(requestId, { url: req.url, type: type ?? '', bytes: 0, finished: false }));
    cdp.on('Network.dataReceived', ({ requestId, encodedDataLength }) => {
      const transfer = transfers.get(requestId);
      if (transfer) transfer.bytes += encodedDataLength;
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const transfer = transfers.get(requestId);
      if (transfer) Object.assign(transfer, { bytes: encodedDataLength, finished: true });
    });

    const [cpuBefore, memoryBefore] = [watcher.events('cpu').length, watcher.events('memory').length];
    await page.goto(`${agent.url}/`);
    await untilTrue('a CPU figure', async () => /^\d+\.\d%$/.test((await textOf(page, '.cpu-usage')) ?? ''));
    expect(await host(page).getAttribute('data-state')).toBe('live');

    // Backfilled from the replay ring: at once, every sample the agent had sent before the page opened.
    await untilTrue('the first chart draw', async () => (await samplesOf(page, 'cpu')) > 0);
    expect(await samplesOf(page, 'cpu')).toBeGreaterThanOrEqual(cpuBefore);
    expect(await samplesOf(page, 'memory')).toBeGreaterThanOrEqual(memoryBefore);

    const [cpu, load] = [await textOf(page, '.cpu-usage'), await textOf(page, '.load-values')];
    await untilTrue('the CPU and load figures to change', async () => (await textOf(page, '.cpu-usage')) !== cpu && (await textOf(page, '.load-values')) !== load);
    expect(await textOf(page, '.fact-agent')).toMatch(/^hostfeed \d+\.\d+\.\d+ \(procfs\)$/);
    expect(await textOf(page, '.host-name')).toBe('fake-host');
    expect(await textOf(page, '.fact-os')).toBe('Test Linux 1, kernel 6.1.0-test (x86_64)');
    expect(await textOf(page, '.memory-used')).toBe('3.00 GiB');
    expect(await textOf(page, '.memory-swap')).toBe('512 MiB of 1.00 GiB');
    expect(await textOf(page, '.fs-detail')).toBe('35.0 GiB free of 100 GiB · inodes 16.7% used, 5M free · /dev/sda1 (ext4)');
    expect(await textOf(page, '.disk-devices tbody th')).toBe('sda');
    expect(await host(page).locator('.cores li').count()).toBe(2);
    // Thresholds from the config (warn 0.5): 3/8 memory used is ok, the 63% full filesystem is amber.
    expect(await host(page).locator('.memory-used').getAttribute('data-level')).toBe('ok');
    expect(await host(page).locator('.fs-usage').getAttribute('data-level')).toBe('warn');

    await untilTrue('every file loaded', async () => [...transfers.values()].every((t) => t.type === 'EventSource' || t.finished));
    const requests = [...transfers.values()];
    const firstLoadBytes = requests.filter((t) => t.type !== 'EventSource').reduce((sum, t) => sum + t.bytes, 0);
    writeFileSync(join(ARTIFACTS, 'viewer-first-load.json'), `${JSON.stringify({ firstLoadBytes, requests }, null, 2)}\n`);
    expect(firstLoadBytes).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);

    expect(problems).toEqual({ console: [], errors: [] });
    expect(await cspViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-light.png'), fullPage: true });
  });

  it('draws every chart: a canvas with the series colour in its plot, and the newest values in its legend', async () => {
    const agent = await startViewerAgent();
    const { page, problems } = await openViewer(`${agent.url}/`);
    await waitForSamples(page, 8);
    // One chart per sampled topic but processes (a list, not a line): cpu, load, memory, disk, network, pressure.
    expect(await page.locator('.chart').count()).toBe(6);
    // A second of samples in a 5-minute window is a few pixels wide, and grows with each sample: wait until every plot
    // holds a line's worth of its series colour (an empty plot has none, so a chart that never draws fails here).
    // The fake load (0.5 and up on 2 cores) is drawn in the colour of a load below one per core.
    await untilTrue('every chart drawn in its series colour', async () => {
      const series = await pixelsOfColour(page, ':is(.chart-cpu, .chart-memory, .chart-disk, .chart-network, .chart-pressure)', '--series-1');
      const load = await pixelsOfColour(page, '.chart-load', '--ok');
      return series.length === 5 && [...series, ...load].every((pixels) => pixels > 20);
    });
    expect(await host(page).locator('.chart-cpu').getAttribute('aria-label')).toMatch(/^CPU usage over the last 5 min: \d+ samples; now busy \d+\.\d%/);
    // Away from the cursor the legend shows the newest sample: the same as the big figure, read in one task.
    const [figure, legend] = await host(page).evaluate((card) => [
      card.querySelector('.load-1').textContent,
      card.querySelector('.chart-load .u-series:nth-child(2) .u-value').textContent,
    ]);
    expect(legend).toBe(figure);
    expect(problems).toEqual({ console: [], errors: [] });
  });

  it('turns to reconnecting when the agent stops, and back to live with a restart notice when it returns on the same port', async () => {
    const first = await startViewerAgent();
    const { page, problems } = await openViewer(`${first.url}/`);
    const notice = host(page).locator('.notice');
    expect(await notice.isHidden()).toBe(true);

    await first.stop();
    await waitForState(page, 'reconnecting');
    expect(await textOf(page, '.state-label')).toBe('Reconnecting…');

    const second = await startViewerAgent({ port: first.port });
    expect(second.context.boot).not.toBe(first.context.boot);
    await waitForState(page, 'live', 0);
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toMatch(/^The agent restarted at \d\d:\d\d:\d\d: samples from while it was down are missing\.$/);
    // While the agent was down the browser logged its refused connections; the page itself threw nothing.
    expect(problems.errors).toEqual([]);
    expect(problems.console.filter((line) => !line.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
  });

  it('resumes a dropped connection with Last-Event-ID: no event missed, no gap in the charts', async () => {
    const agent = await startViewerAgent();
    // A TCP proxy the test controls: dropping its sockets cuts the page's stream while the agent runs on.
    const sockets = new Set<Socket>();
    let refusing = false;
    const proxy = createServer((client) => {
      if (refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(agent.port, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    proxies.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };

    // Straight to the agent, not through the proxy: counts the cpu samples the agent sends while the page is cut off.
    const watcher = await open(`${agent.url}/events?topics=cpu`);
    const sent = () => watcher.events('cpu').length;
    const { page, problems } = await openViewer(`http://127.0.0.1:${port}/`);
    // Every state the card goes through, kept on the card itself.
    await host(page).evaluate((card) => {
      card.states = [];
      new card.ownerDocument.defaultView.MutationObserver(() => card.states.push(card.dataset.state)).observe(card, { attributeFilter: ['data-state'] });
    });
    await waitForSamples(page, 4, '.chart-cpu');
    // The page first, then the agent: a sample in flight between the two reads only counts against the page.
    const shown = await samplesOf(page, 'cpu');
    const before = sent();

    // Cut off for 12 cpu samples, which the page must get from the replay ring when it is back.
    refusing = true;
    for (const socket of sockets) socket.destroy();
    await waitForState(page, 'reconnecting');
    await watcher.waitFor(isEvent('cpu'), sent() + 12);
    refusing = false;
    await waitForState(page, 'live');
    // A hole would leave the chart 12 samples behind the agent for good; 3 allow for samples in flight to either.
    await untilTrue('the chart to have every sample the agent sent', async () => (await samplesOf(page, 'cpu')) - shown >= sent() - before - 3);

    expect(await host(page).evaluate((card) => card.states)).toEqual(expect.arrayContaining(['reconnecting', 'live']));
    expect(await host(page).getAttribute('data-missed')).toBe('0');
    expect(await host(page).locator('.notice').isHidden()).toBe(true);
    expect(problems.errors).toEqual([]);
  });

  it('adds an agent from the form by keyboard, shows both as rows, and expands them by keyboard', async () => {
    const own = await startViewerAgent();
    // The other agent reads this host for real, and lets the first agent's page read its feed.
    const other = await startViewerAgent({ cors: { origins: [own.url] } }, await createSource(parseConfig({}, 'defaults')));
    const { page, problems } = await openViewer(`${own.url}/`);

    await page.locator('#agent-url').focus();
    await page.keyboard.type(other.url);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('agents') === `${own.url},${other.url}`);
    await waitForState(page, 'live', 0);
    await waitForState(page, 'live', 1);
    expect(await textOf(page, '.host-name', 0)).toBe('fake-host');
    expect(await textOf(page, '.host-name', 1)).toBe(hostname());
    expect(await textOf(page, '.host-address', 1)).toBe(new URL(other.url).host);

    // One row under the other, collapsed; each opens with the keyboard (Enter on one, Space on the other).
    const [first, second] = await Promise.all([host(page, 0).boundingBox(), host(page, 1).boundingBox()]);
    expect(second!.y).toBeGreaterThan(first!.y + first!.height - 1);
    for (const [index, key] of [[0, 'Enter'], [1, 'Space']] as const) {
      await host(page, index).locator('.host-toggle').focus();
      await page.keyboard.press(key);
      expect(await host(page, index).locator('.host-toggle').getAttribute('aria-expanded')).toBe('true');
    }
    await waitForSamples(page, 2, '.chart-cpu');
    expect(problems).toEqual({ console: [], errors: [] });
    expect(await cspViolations(page)).toEqual([]);

    await page.emulateMedia({ colorScheme: 'dark' });
    await untilTrue('the dark theme', async () => (await background(page)) === DARK_BACKGROUND);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-dark.png'), fullPage: true });

    // Remove the first one: the page reloads with the other alone.
    await host(page, 0).locator('.remove-host').click();
    await page.waitForURL((url) => url.searchParams.get('agents') === other.url);
    expect(await page.locator('.host').count()).toBe(1);
  });

  it.each(['require-trusted-types-for', 'sandbox'])('keeps its CSP whole when ?agents= carries ";%s": Trusted Types on, scripts running', async (directive) => {
    const agent = await startViewerAgent();
    const directivesOf = (csp: string | null | undefined) => (csp ?? '').split(';').map((part) => part.trim().split(' ')[0]);
    const plain = directivesOf((await fetch(`${agent.url}/`)).headers.get('content-security-policy'));

    const page = await context.newPage();
    const problems = watch(page);
    const response = await page.goto(`${agent.url}/?agents=${agent.url},http://x;${directive}`);
    expect(directivesOf(response?.headers()['content-security-policy'])).toEqual(plain);
    // The page's scripts run: the first row, this agent, goes live and shows figures.
    await waitForState(page, 'live', 0);
    await untilTrue('a CPU figure', async () => /^\d+\.\d%$/.test((await textOf(page, '.summary-cpu', 0)) ?? ''));
    // Trusted Types still guard the HTML sinks: a string assigned to innerHTML is refused.
    const sinkRefused = await page.locator('html').evaluate((html) => {
      try {
        html.ownerDocument.createElement('div').innerHTML = '<b>injected</b>';
        return false;
      } catch {
        return true;
      }
    });
    expect(sinkRefused).toBe(true);
    expect(problems.errors).toEqual([]);
  });

  it('pauses the charts while samples keep arriving, and switches the window', async () => {
    const agent = await startViewerAgent();
    const { page } = await openViewer(`${agent.url}/`);
    await waitForSamples(page, 4, '.chart-cpu');

    const pause = page.locator('#pause-button');
    await pause.click();
    expect(await pause.getAttribute('aria-pressed')).toBe('true');
    const frozen = await samplesOf(page, 'cpu');
    const load = await textOf(page, '.load-values');
    await untilTrue('a new load figure', async () => (await textOf(page, '.load-values')) !== load);
    expect(await samplesOf(page, 'cpu')).toBe(frozen);

    await pause.click();
    await waitForSamples(page, frozen + 3, '.chart-cpu');

    await page.locator('#window-select').selectOption('60');
    await page.waitForURL((url) => url.searchParams.get('window') === '60');
    await untilTrue('the CPU chart to say its window', async () => /^CPU usage over the last 1 h: /.test((await host(page).locator('.chart-cpu').getAttribute('aria-label')) ?? ''));
  });

  it('turns stale when samples stop while the connection stays up, and shows the collectors failing', async () => {
    const fake = createFakeSource();
    const agent = await startViewerAgent({}, fake.source);
    const { page } = await openViewer(`${agent.url}/`);
    // Every reading the agent samples hangs: no topic has a sample to send.
    const readings = ['cpu', 'memory', 'load', 'mounts', 'network', 'pressure', 'processes'] as const;
    for (const method of readings) fake.fail(method, 'hang');
    await waitForState(page, 'stale');
    expect(await textOf(page, '.state-detail')).toMatch(/^No data for \d+ s\./);
    // The CPU panel shows the cpu collector's failure (the load panel the load collector's).
    const cpuError = host(page).locator('.panel-cpu .collector-error', { hasText: "couldn't collect cpu" });
    const loadError = host(page).locator('.panel-load .collector-error', { hasText: "couldn't collect load" });
    await cpuError.waitFor({ state: 'visible' });
    await loadError.waitFor({ state: 'visible' });
    expect(await cpuError.textContent()).toMatch(/^couldn't collect cpu: timed out after 1000ms \(failing since \d\d:\d\d:\d\d\)\.$/);
    for (const method of readings) fake.fail(method, undefined);
    await waitForState(page, 'live');
    await cpuError.waitFor({ state: 'hidden' });
  });

  it('keeps the theme chosen with the toggle, and fits a phone', async () => {
    const agent = await startViewerAgent();
    const { page, problems } = await openViewer(`${agent.url}/`);
    await page.locator('#theme-select').selectOption('dark');
    await page.reload();
    await waitForState(page, 'live');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await background(page)).toBe(DARK_BACKGROUND);
    await page.locator('#theme-select').selectOption('');
    expect(await background(page)).toBe('rgb(246, 247, 249)');

    // Charts are drawn near the screen only: wait for them while all are in view.
    await waitForSamples(page, 2);
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-phone.png'), fullPage: true });
    expect(problems).toEqual({ console: [], errors: [] });
  });
});
