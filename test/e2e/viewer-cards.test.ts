/**
 * What a card and an overview row show, in real headless Chromium against agents on loopback: the stacked CPU modes,
 * load coloured per core with its level in words, grey figures once they are out of date, and several agents as
 * compact rows told apart by address, each expanding into its full card. Screenshots go to test/artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { MountReading, Source } from '../../agent/sources/types';
import { createFakeSource, FAKE_INVENTORY, FAKE_MOUNT } from '../helpers/fake-source';
import { until, untilTrue } from '../helpers/until';
import {
  ARTIFACTS,
  cspViolations,
  host,
  huedPixels,
  openViewer,
  pixelsOfColour,
  sourceWithLoad,
  startViewerAgent,
  textOf,
  useViewerBrowser,
  waitForSamples,
  waitForState,
} from '../helpers/viewer-page';

/** The list of the CPU modes to stack, bottom first; idle is what is left above them. */
const STACKED_MODES = ['user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

/** A second mount, nearly full: 470 GiB used, 10 GiB left to users (df's Use%: 470 / 480 = 97.9%). */
const DATA_MOUNT: MountReading = {
  device: '/dev/sdb1', mountpoint: '/data', fstype: 'ext4', options: ['rw'], major: 8, minor: 17,
  stats: { sizeBytes: 500 * 2 ** 30, freeBytes: 30 * 2 ** 30, availBytes: 10 * 2 ** 30, files: 1_000_000, filesFree: 900_000 },
};

/** The colour of each figure with a level, and of each bar, in card `index`: [text, rgb] pairs. */
function levelColours(page: Page, index = 0): Promise<[string, string][]> {
  return host(page, index).evaluate((card) => {
    const style = (el: unknown) => card.ownerDocument.defaultView.getComputedStyle(el);
    return [...card.querySelectorAll('[data-level]')].map((el) => [el.className, el.classList.contains('meter-fill') ? style(el).backgroundColor : style(el).color]);
  });
}

/** Whether an `rgb(r, g, b)` is a grey (no hue). */
const isGrey = (rgb: string) => {
  const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
  return Math.max(r, g, b) - Math.min(r, g, b) <= 2;
};

/** The colour a CSS custom property resolves to inside card `index`. */
function resolvedColour(page: Page, property: string, index = 0): Promise<string> {
  return host(page, index).evaluate((card, name) => {
    const probe = card.ownerDocument.createElement('span');
    probe.style.color = `var(${name})`;
    card.querySelector('.host-body').append(probe);
    const colour = card.ownerDocument.defaultView.getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }, property);
}

describe("the viewer's cards and overview rows in Chromium", () => {
  const browser = useViewerBrowser();

  it('stacks the CPU modes, user at the bottom, each with its own value in the legend and their sum the busy figure', async () => {
    // The fake source moves every mode on every read, by a different mix each time.
    const agent = await startViewerAgent({}, createFakeSource().source);
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    await waitForSamples(page, 6, '.chart-cpu');

    // Legend and figure come from the same sample when read in one task.
    // The modes' series; a "busy max" after them (the stored history's steps, when it has them) is not a mode.
    const { labels, values, busy } = await host(page).evaluate((card) => {
      const series = [...card.querySelectorAll('.chart-cpu .u-series')].slice(1).filter((s) => !s.querySelector('.u-label').textContent.endsWith(' max'));
      return {
        labels: series.map((s) => s.querySelector('.u-label').textContent),
        values: series.map((s) => Number.parseFloat(s.querySelector('.u-value').textContent)),
        busy: Number.parseFloat(card.querySelector('.cpu-usage').textContent),
      };
    });
    expect(labels).toEqual(STACKED_MODES);
    for (const value of values) expect(value).toBeGreaterThan(0);
    // Busy is 1 - idle; the modes are what is not idle: seven figures rounded to 0.1 each.
    expect(Math.abs(values.reduce((sum, value) => sum + value, 0) - busy)).toBeLessThanOrEqual(0.4);

    // Stacked, the top edge of the drawing is the last mode's line (drawn at the sum); overlaid, it would be user's,
    // the largest. Per pixel column, the topmost pixel in a series' own colour says whose line is on top.
    const topmost = await host(page).locator('.chart-cpu').evaluate((figure, count) => {
      const view = figure.ownerDocument.defaultView;
      const colours = Array.from({ length: count }, (_, i) => {
        const probe = figure.ownerDocument.createElement('span');
        probe.style.color = `var(--series-${i + 1})`;
        figure.append(probe);
        const rgb = view.getComputedStyle(probe).color.match(/\d+/g).map(Number);
        probe.remove();
        return rgb;
      });
      const canvas = figure.querySelector('canvas');
      const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const tally = new Array(count).fill(0);
      for (let x = 0; x < width; x += 1) {
        for (let y = 0; y < height; y += 1) {
          const i = (y * width + x) * 4;
          if (data[i + 3] < 200) continue;
          const series = colours.findIndex(([r, g, b]) => Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30);
          if (series === -1) continue;
          tally[series] += 1;
          break;
        }
      }
      return tally;
    }, STACKED_MODES.length);
    expect(topmost.indexOf(Math.max(...topmost))).toBe(STACKED_MODES.indexOf('nice'));
    expect(await host(page).locator('.chart-cpu').getAttribute('aria-label')).toMatch(
      /^CPU usage over the last 5 min: \d+ samples; now busy \d+\.\d%: user \d+\.\d%, system \d+\.\d%, iowait .*, nice \d+\.\d%$/,
    );
    expect(problems).toEqual({ console: [], errors: [] });
  });

  it('colours the load by its level per core (amber from 1, red from 2 as node-mixin alerts) and says the level in words', async () => {
    const { source, setLoad1 } = sourceWithLoad();
    setLoad1(1.2);
    const agent = await startViewerAgent({}, source);
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    const colours = { ok: await resolvedColour(page, '--ok'), warn: await resolvedColour(page, '--warn'), critical: await resolvedColour(page, '--critical') };
    expect(new Set(Object.values(colours)).size).toBe(3);

    // On 2 cores: 1.2 is 0.6 per core, 2.5 is 1.25 (more runnable tasks than CPUs), 4.2 is 2.1 (NodeSystemSaturation).
    for (const [load1, level, caption] of [
      [1.2, 'ok', '1 min · 0.60 per core'],
      [2.5, 'warn', '1 min · 1.25 per core, high'],
      [4.2, 'critical', '1 min · 2.10 per core, very high'],
    ] as const) {
      setLoad1(load1);
      await untilTrue(`the load caption "${caption}"`, async () => (await textOf(page, '.load-per-core')) === caption);
      expect(await textOf(page, '.load-1')).toBe(load1.toFixed(2));
      const figure = host(page).locator('.load-1');
      expect(await figure.getAttribute('data-level')).toBe(level);
      expect(await figure.evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).color)).toBe(colours[level]);
      if (level === 'ok') {
        // Below amber, the chart still shows where amber starts (load = cores), and nothing in red.
        await waitForSamples(page, 2, '.chart-load');
        expect((await pixelsOfColour(page, '.chart-load', '--warn'))[0]).toBeGreaterThan(20);
        expect((await pixelsOfColour(page, '.chart-load', '--critical'))[0]).toBe(0);
      }
    }
    await untilTrue('red in the load chart', async () => (await pixelsOfColour(page, '.chart-load', '--critical'))[0] > 20);
    expect(await host(page).locator('.chart-load').getAttribute('aria-label')).toMatch(/; 2 cores: high from 2\.00, very high from 4\.00$/);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-load-levels.png'), fullPage: true });
    expect(problems).toEqual({ console: [], errors: [] });
  });

  it('greys the figures and charts of an agent that stopped and stops its uptime, then restores them when it returns', async () => {
    // A host booted 30 s ago: its uptime reads in seconds, so a clock left running shows within seconds.
    const source: Source = { ...createFakeSource().source, inventory: async () => ({ ...FAKE_INVENTORY, bootTimeSeconds: Math.floor(Date.now() / 1000) - 30 }) };
    const first = await startViewerAgent({}, source);
    const { page, problems } = await openViewer(browser.context(), `${first.url}/`);
    await waitForSamples(page, 4);
    // Live: the figures with a level have hues (the fake's figures include an amber filesystem), the charts too.
    expect((await levelColours(page)).filter(([, colour]) => !isGrey(colour)).length).toBeGreaterThan(3);
    // A line grows with each sample drawn: wait until every chart holds a line's worth of hue.
    await untilTrue('every chart in colour', async () => (await huedPixels(page, '.chart')).every((pixels) => pixels > 20));

    await first.stop();
    await waitForState(page, 'reconnecting');
    await untilTrue('every figure with a level grey', async () => (await levelColours(page)).every(([, colour]) => isGrey(colour)));
    await untilTrue('every chart grey', async () => (await huedPixels(page, '.chart')).every((pixels) => pixels === 0));
    // The state keeps its colour: it is what says why the rest is grey.
    expect(isGrey(await host(page).locator('.state-label').evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).color))).toBe(false);

    // The detail counts the seconds since the last sample; the uptime stays where that sample left it.
    const secondsAgo = async () => Number(/, (\d+) s ago\.$/.exec((await textOf(page, '.state-detail')) ?? '')?.[1] ?? Number.NaN);
    const uptime = await textOf(page, '.fact-uptime');
    const since = await until('the time since the last data', secondsAgo, (seconds) => seconds >= 0);
    await until('3 s more without data', secondsAgo, (seconds) => seconds >= since + 3);
    expect(await textOf(page, '.fact-uptime')).toBe(uptime);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-stale.png'), fullPage: true });

    await startViewerAgent({ port: first.port }, source);
    await waitForState(page, 'live');
    await untilTrue('hues back in the figures and charts', async () =>
      (await levelColours(page)).some(([, colour]) => !isGrey(colour)) && (await huedPixels(page, '.chart')).every((pixels) => pixels > 20),
    );
    expect(problems.errors).toEqual([]);
  });

  it('shows several agents as compact rows told apart by address, each expanding into its full card by keyboard', async () => {
    const own = await startViewerAgent();
    const others = { cors: { origins: [own.url] } };
    // Same host name as the first (both are the fake host): only the address tells them apart. Its mounts cannot be read.
    const failing = createFakeSource();
    failing.fail('mounts', 'mountinfo unreadable');
    const twin = await startViewerAgent(others, failing.source);
    const { source: loaded, setLoad1 } = sourceWithLoad();
    setLoad1(4.2);
    const busy = await startViewerAgent(others, { ...loaded, mounts: async (include) => [FAKE_MOUNT, DATA_MOUNT].filter((m) => include(m.mountpoint, m.fstype)) });
    const agents = [own, twin, busy];
    const { page, problems } = await openViewer(browser.context(), `${own.url}/?agents=${agents.map((agent) => agent.url).join(',')}`);
    for (const index of agents.keys()) await waitForState(page, 'live', index);

    const row = (index: number, selector: string) => textOf(page, selector, index);
    for (const [index, agent] of agents.entries()) {
      expect(await row(index, '.host-name')).toBe('fake-host');
      expect(await row(index, '.host-address')).toBe(new URL(agent.url).host);
      expect(await row(index, '.state-label')).toBe('Live');
      // Collapsed: the card's body is hidden and its charts not even built.
      expect(await host(page, index).getAttribute('data-expanded')).toBe('false');
      expect(await host(page, index).locator('.host-body').isHidden()).toBe(true);
    }
    expect(await page.locator('canvas').count()).toBe(0);

    // The fake's figures: 3 of 8 GiB used; / has 60 GiB used and 35 GiB left to users (df: 63.2%), amber at this
    // test's warn 0.5; /data is 97.9% full, red at its critical 0.95; a load of 4.2 on 2 cores is 2.1 per core.
    await untilTrue('the rows filled', async () => (await row(2, '.summary-load')) !== '–' && (await row(0, '.summary-filesystem')) !== '–');
    for (const index of agents.keys()) {
      expect(await row(index, '.summary-cpu')).toMatch(/^\d+\.\d%$/);
      expect(await row(index, '.summary-memory')).toBe('37.5%');
    }
    expect(await row(0, '.summary-filesystem')).toBe('/ 63.2%');
    expect(await host(page, 0).locator('.summary-filesystem').getAttribute('data-level')).toBe('warn');
    expect(await row(2, '.summary-filesystem')).toBe('/data 97.9%');
    expect(await host(page, 2).locator('.summary-filesystem').getAttribute('data-level')).toBe('critical');
    expect(await row(2, '.summary-load')).toBe('4.20 (2.10 per core, very high)');
    // A failing collector's message is in a panel, which a row does not show: the row names the collector.
    await untilTrue('the failing disk collector named', async () => (await row(1, '.state-detail')) === 'Failing: disk.');
    expect(await row(1, '.summary-filesystem')).toBe('–');
    expect(await host(page, 2).locator('.summary-load').getAttribute('data-level')).toBe('critical');
    const rowHeight = (await host(page, 0).boundingBox())!.height;
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-overview.png'), fullPage: true });

    // Expand the third by keyboard: its heading is a button that controls the card's body.
    const toggle = host(page, 2).locator('.host-toggle');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const body = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
    expect(await body.isVisible()).toBe(true);
    expect(await host(page, 2).locator('.host-body').getAttribute('id')).toBe(await toggle.getAttribute('aria-controls'));
    await waitForSamples(page, 2, '.host:nth-child(3) .chart');
    expect(await textOf(page, '.fs-mount', 2)).toBe('/');
    expect(await host(page, 2).locator('.load-per-core').textContent()).toBe('1 min · 2.10 per core, very high');
    // The other rows stay compact, their charts unbuilt; the expanded card is far taller than a row.
    expect(await page.locator('canvas').count()).toBe(await host(page, 2).locator('canvas').count());
    expect((await host(page, 2).boundingBox())!.height).toBeGreaterThan(3 * rowHeight);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-overview-expanded.png'), fullPage: true });

    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await body.isHidden()).toBe(true);
    expect(problems).toEqual({ console: [], errors: [] });
    expect(await cspViolations(page)).toEqual([]);
  });
});
