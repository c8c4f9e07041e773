/**
 * The viewer in real headless Chromium (Debian's, driven by playwright-core; never a downloaded browser) against
 * agents on loopback: the browser, the agents' config, and reading a card's state. Screenshots go to ARTIFACTS.
 *
 * In-page code reaches the document through the element it is given (`el.ownerDocument`): the suites are type-checked
 * with Node's lib, not the DOM's, and playwright types those elements loosely.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { RunningAgent } from '../../agent/agent';
import type { CpuCounters, Source } from '../../agent/sources/types';
import { startTestAgent, stopTestAgents } from './agent';
import { createFakeSource } from './fake-source';
import { PROGRAMS, requireProgram } from './programs';
import { untilTrue } from './until';

/** Gitignored: screenshots and first-load figures, kept by CI as test artefacts. */
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** 250 ms samples: fast enough to see change within a second, slow enough for a 2-core CI machine with Chromium. */
const EVERY = { interval: '250ms', timeout: '1s' };
export const VIEWER_CONFIG = {
  collectors: { cpu: EVERY, memory: EVERY, load: EVERY, disk: EVERY },
  // A quick `retry:` so reconnections happen within the test's time.
  sse: { retry: '300ms' },
  viewer: { warn: 0.5, critical: 0.95 },
};

/** The fake source with a CPU that varies from sample to sample (10% to 70% busy), so the figures change. */
export function varyingSource(): Source {
  const { source } = createFakeSource();
  let step = 0;
  const cpus: CpuCounters[] = ['0', '1'].map((cpu) => ({
    cpu,
    seconds: { user: 100, nice: 0, system: 50, idle: 1000, iowait: 1, irq: 0, softirq: 0, steal: 0 },
    guestSeconds: { user: 0, nice: 0 },
  }));
  return {
    ...source,
    async cpu() {
      step += 1;
      for (const [index, { seconds }] of cpus.entries()) {
        const busy = 0.4 + 0.3 * Math.sin(step / 2 + index);
        seconds.user += busy * 0.2;
        seconds.system += busy * 0.05;
        seconds.idle += (1 - busy) * 0.25;
        seconds.iowait += 0.002;
      }
      return { kind: 'counters', cpus: cpus.map((c) => ({ ...c, seconds: { ...c.seconds } })) };
    },
  };
}

export function startViewerAgent(config: Record<string, unknown> = {}, source: Source = varyingSource()): Promise<RunningAgent> {
  return startTestAgent({ ...VIEWER_CONFIG, ...config }, source);
}

/** Run in every page before its own scripts, through the DevTools protocol: the page's CSP does not apply to it. */
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
`;

export function cspViolations(page: Page): Promise<string[]> {
  return page.locator('html').evaluate((html) => html.ownerDocument.defaultView.cspViolations);
}

/** A browser with a profile of its own (removed by `close`), 1400 x 1000, light, recording CSP violations. */
export async function launchViewerBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'hostfeed-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireProgram(PROGRAMS.chromium),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
    colorScheme: 'light',
  });
  await context.addInitScript(RECORD_CSP_VIOLATIONS);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors and warnings, and uncaught exceptions, of one page. */
export interface PageProblems {
  console: string[];
  errors: string[];
}

/** Chromium's advice to the tests' own repeated getImageData on a chart: not the page's doing. */
const TEST_READBACK_ADVICE = 'Canvas2D: Multiple readback operations using getImageData';

export function watch(page: Page): PageProblems {
  const problems: PageProblems = { console: [], errors: [] };
  page.on('console', (message) => {
    if (message.text().startsWith(TEST_READBACK_ADVICE)) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  return problems;
}

export const host = (page: Page, index = 0) => page.locator('.host').nth(index);
export const textOf = (page: Page, selector: string, index = 0) => host(page, index).locator(selector).first().textContent();

export function waitForState(page: Page, state: string, index = 0): Promise<void> {
  return untilTrue(`card ${index} to be ${state}`, async () => (await host(page, index).getAttribute('data-state')) === state);
}

/** A new page on the viewer at `url`, watched for problems, once its first card is live. */
export async function openViewer(context: BrowserContext, url: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(url);
  await waitForState(page, 'live');
  return { page, problems };
}

export async function samplesOf(page: Page, chart: string, index = 0): Promise<number> {
  return Number(await host(page, index).locator(`.chart-${chart}`).getAttribute('data-samples'));
}

/** Until every chart matching `selector` on the page shows at least `count` samples. */
export function waitForSamples(page: Page, count: number, selector = '.chart'): Promise<void> {
  return untilTrue(`${count} samples in every ${selector}`, () =>
    page.locator(selector).evaluateAll((figures, n) => figures.every((figure) => Number(figure.dataset.samples) >= n), count),
  );
}

/**
 * For each chart matching `selector`: how many pixels of its canvas have the colour of the CSS property `property`
 * as resolved inside the chart (at any alpha: fills are translucent), or -1 where it has no canvas.
 */
export function pixelsOfColour(page: Page, selector: string, property: string): Promise<number[]> {
  return page.locator(selector).evaluateAll(
    (figures, colourProperty) =>
      figures.map((figure) => {
        const canvas = figure.querySelector('canvas');
        if (!canvas) return -1;
        const probe = figure.ownerDocument.createElement('span');
        probe.style.color = `var(${colourProperty})`;
        figure.append(probe);
        const [r, g, b] = figure.ownerDocument.defaultView.getComputedStyle(probe).color.match(/\d+/g).map(Number);
        probe.remove();
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let pixels = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24 && data[i + 3] > 0) pixels += 1;
        }
        return pixels;
      }),
    property,
  );
}

/** For each chart matching `selector`: how many pixels of its canvas have a hue (not grey, black or white), or -1. */
export function huedPixels(page: Page, selector: string): Promise<number[]> {
  return page.locator(selector).evaluateAll((figures) =>
    figures.map((figure) => {
      const canvas = figure.querySelector('canvas');
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let pixels = 0;
      // A grey keeps r = g = b, give or take the rounding of anti-aliasing (large where a pixel is nearly transparent).
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 100 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 12) pixels += 1;
      return pixels;
    }),
  );
}

/** A fake source whose 1-minute load average the test sets (the fake host has 2 CPUs). */
export function sourceWithLoad(): { source: Source; setLoad1(value: number): void } {
  let load1 = 1;
  return { source: { ...createFakeSource().source, load: async () => ({ load1, load5: 1, load15: 0.8 }) }, setLoad1: (value) => (load1 = value) };
}

/**
 * One browser for a describe block: launched before its tests; after each, its pages closed and the test agents
 * stopped; closed after all. `context()` is the browser context to open pages in.
 */
export function useViewerBrowser(): { context(): BrowserContext } {
  let browser: Awaited<ReturnType<typeof launchViewerBrowser>> | undefined;
  beforeAll(async () => {
    browser = await launchViewerBrowser();
  });
  afterEach(async () => {
    for (const page of browser?.context.pages() ?? []) await page.close();
    await stopTestAgents();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return { context: () => browser!.context };
}
