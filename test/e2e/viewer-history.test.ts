/**
 * The viewer's history, in real headless Chromium against agents on loopback: charts filled from the agent's stored
 * history beyond what its replay ring holds, a dragged range zooming every chart and going into the URL, one
 * crosshair across a card's charts, and a restart of the agent marked where it happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { stopTestAgents } from '../helpers/agent';
import { createFakeSource } from '../helpers/fake-source';
import { isEvent, openStream } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';
import { ARTIFACTS, host, launchViewerBrowser, samplesOf, startViewerAgent, waitForSamples, watch } from '../helpers/viewer-page';

/** Every reading of the fake source, made to hang: the agent then sends nothing new. */
const READINGS = ['cpu', 'memory', 'load', 'mounts', 'diskStats', 'network', 'pressure', 'processes'] as const;

/** A ring of 12 events: at 4 samples a second of several topics, about a second of them. */
const SMALL_RING = { sse: { replay: 12, retry: '300ms' } };

interface HistoryAnswer {
  ts: number[];
  series: Record<string, Record<string, { value: (number | null)[] }>>;
  restarts: { downFrom: number; upAt: number }[];
}

async function storedCpu(url: string): Promise<number> {
  const answer = (await (await fetch(`${url}/api/history?topics=cpu&from=${Date.now() - 5 * 60_000}`)).json()) as HistoryAnswer;
  return answer.series.cpu?.usage?.value.filter((value) => value !== null).length ?? 0;
}

/** How many cpu events the agent's ring replays to a client that resumes from its first event. */
async function cpuEventsInRing(url: string, boot: string): Promise<number> {
  const stream = await openStream(`${url}/events?topics=cpu&lastEventId=${boot}-0`);
  // The replay ends where the latest-on-connect burst would be: a reset (the ring moved on) then the latest sample.
  await stream.waitFor(isEvent('cpu'));
  stream.close();
  return stream.events('cpu').length;
}

/** The x of the crosshair line in each chart of the card, or null where it is hidden. */
function crosshairs(page: Page): Promise<(string | null)[]> {
  return host(page)
    .locator('.chart .u-cursor-x')
    .evaluateAll((lines) => lines.map((line) => line.getAttribute('style')).map((style) => (style === null || /display:\s*none/.test(style) ? null : style)));
}

describe("the viewer's history in Chromium", () => {
  let browser: Awaited<ReturnType<typeof launchViewerBrowser>>;
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    browser = await launchViewerBrowser();
    context = browser.context;
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-viewer-history-'));
  });

  afterEach(async () => {
    for (const page of context.pages()) await page.close();
    await stopTestAgents();
    rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /**
   * A page on `url`, watched for problems. Not waiting for it to be live: an agent whose readings all hang sends only
   * its ring, and the card turns stale 3 intervals after the last sample, maybe before a poll saw it live.
   */
  async function openPage(url: string): Promise<{ page: Page; problems: ReturnType<typeof watch> }> {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(url);
    return { page, problems };
  }

  it('fills the window from the stored history, beyond the replay ring, and zooms every chart into a dragged range', async () => {
    const fake = createFakeSource();
    const agent = await startViewerAgent({ ...SMALL_RING, history: { file: join(dir, 'history.bin') } }, fake.source);
    // A watcher makes the agent sample at its live rate; the store keeps every second of it.
    const watcher = await openStream(`${agent.url}/events`);
    await untilTrue('8 seconds of CPU stored', async () => (await storedCpu(agent.url)) >= 8);
    watcher.close();
    for (const reading of READINGS) fake.fail(reading, 'hang');
    const boot = /^([0-9a-f]+)-/.exec(watcher.events('cpu')[0].id ?? '')![1];
    const inRing = await cpuEventsInRing(agent.url, boot);

    // An hour's window: the stored history answers it from its 10 s tier.
    const { page, problems } = await openPage(`${agent.url}/?window=60`);
    // Nothing new is sampled: all the chart holds came from the ring and the store, and the store reaches further back.
    await waitForSamples(page, inRing + 1, '.chart-cpu');
    expect(await samplesOf(page, 'cpu')).toBeGreaterThan(inRing);

    // Hovering one chart moves the crosshair of every chart of the card.
    const cpuPlot = host(page).locator('.chart-cpu .u-over');
    const box = (await cpuPlot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    await untilTrue('a crosshair in every chart', async () => (await crosshairs(page)).every((x) => x !== null));

    // Dragging across the last tenth of the CPU chart zooms into that range: in the URL, and in every chart's summary.
    // A chart rebuilt as a drag happens (a new series, the stored history arriving) loses that drag: drag again until
    // one lands.
    await untilTrue('a dragged range in the URL', async () => {
      await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const dragged = new URL(page.url()).searchParams;
      return dragged.has('from') && dragged.has('to');
    });
    const url = new URL(page.url());
    const [from, to] = [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
    expect(to).toBeGreaterThan(from);
    await untilTrue('every chart zoomed', async () =>
      host(page)
        .locator('.chart')
        .evaluateAll((figures) => figures.every((figure) => / from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d: /.test(figure.getAttribute('aria-label') ?? ''))),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-zoomed.png'), fullPage: true });

    // A link to the zoomed page shows the same range.
    const linked = await openPage(page.url());
    await untilTrue('the linked page zoomed', async () => / from \d\d:\d\d:\d\d to /.test((await host(linked.page).locator('.chart-cpu').getAttribute('aria-label')) ?? ''));

    // Double-click goes back to the live window.
    await cpuPlot.dblclick();
    await page.waitForURL((next) => !next.searchParams.has('from'));
    await untilTrue('the window again', async () => /^CPU usage over the last 1 h: /.test((await host(page).locator('.chart-cpu').getAttribute('aria-label')) ?? ''));
    expect(problems.errors).toEqual([]);

    // A day's window comes from the minute tier, whose step holds every sample of its minute: the highest of them,
    // above the step's mean, is drawn with it (the fake CPU's busy share moves with every read).
    const day = await openPage(`${agent.url}/?window=1440`);
    const labels = () => host(day.page).locator('.chart-cpu .u-series .u-label').allTextContents();
    await untilTrue('the busy max in the CPU chart', async () => (await labels()).includes('busy max'));
    await day.page.screenshot({ path: join(ARTIFACTS, 'viewer-day.png'), fullPage: true });
    expect(day.problems.errors).toEqual([]);
  });

  it('marks where the agent restarted, with the samples from before the restart kept', async () => {
    const file = join(dir, 'history.bin');
    const first = await startViewerAgent({ history: { file } });
    const watcher = await openStream(`${first.url}/events`);
    await untilTrue('5 seconds of CPU stored', async () => (await storedCpu(first.url)) >= 5);
    watcher.close();
    const port = first.port;
    await stopTestAgents();

    // The restarted agent samples nothing (every reading hangs): what the chart shows is what was stored before.
    const fake = createFakeSource();
    for (const reading of READINGS) fake.fail(reading, 'hang');
    const second = await startViewerAgent({ port, history: { file } }, fake.source);
    const { page, problems } = await openPage(`${second.url}/`);
    await waitForSamples(page, 5, '.chart-cpu');
    await untilTrue('the restart said in the CPU chart', async () => /; the agent restarted at \d\d:\d\d:\d\d$/.test((await host(page).locator('.chart-cpu').getAttribute('aria-label')) ?? ''));
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-restart.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
  });
});
