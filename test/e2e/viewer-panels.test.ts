/**
 * The panels that answer "what is eating it?", in real headless Chromium against agents on loopback: the busiest
 * processes (sortable, without their arguments), each interface's traffic with its errors, the pressure stalls, and the
 * kernel's counters in the CPU panel. Figures are checked against the agent's own /api/snapshot of the same sample.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Snapshot } from '../../agent/events';
import type { ProcessStat, Source } from '../../agent/sources/types';
import { formatPercent, formatRate } from '../../viewer/format.js';
import { createFakeSource } from '../helpers/fake-source';
import { untilTrue } from '../helpers/until';
import { ARTIFACTS, cspViolations, host, openViewer, pixelsOfColour, sourceWithLoad, startViewerAgent, textOf, useViewerBrowser, VIEWER_CONFIG } from '../helpers/viewer-page';

/** Every topic at the viewer tests' pace (processes' default is 5 s). */
const EVERY = VIEWER_CONFIG.collectors.cpu;
const FAST_TOPICS = { collectors: { ...VIEWER_CONFIG.collectors, network: EVERY, pressure: EVERY, processes: EVERY } };

/**
 * Three processes whose order by CPU differs from their order by memory: a cruncher gaining 0.5 s of CPU per read
 * in a small RSS, a hog holding 2 GiB that barely runs, and an idle one.
 */
function sourceWithProcesses(): Source {
  const { source } = createFakeSource();
  let reads = 0;
  const at = (): ProcessStat[] => [
    { pid: 700, name: 'cruncher', state: 'R', cpuSeconds: 10 + reads * 0.5, threads: 4, startTicks: 100, rssBytes: 50 * 2 ** 20 },
    { pid: 800, name: 'hog', state: 'S', cpuSeconds: 3 + reads * 0.001, threads: 1, startTicks: 200, rssBytes: 2 * 2 ** 30 },
    { pid: 900, name: 'idler', state: 'S', cpuSeconds: 1, threads: 1, startTicks: 300, rssBytes: 2 ** 20 },
  ];
  return {
    ...source,
    processes: async (pick) => {
      reads += 1;
      const processes = at();
      const details = pick(processes).map((pid) => ({
        pid,
        argv: [`/usr/bin/${pid}`, '--password=hunter2'],
        user: pid === 700 ? 'alice' : 'bob',
        rssBytes: processes.find((p) => p.pid === pid)!.rssBytes,
      }));
      return { processes, threadStates: { R: 4, S: 2 }, pidMax: 32768, threadsMax: 63704, details };
    },
  };
}

async function snapshot(url: string): Promise<Snapshot> {
  return (await (await fetch(`${url}/api/snapshot`)).json()) as Snapshot;
}

/** The cells of each body row of the table matching `selector`, as text. */
function rowsOf(page: Page, selector: string): Promise<string[][]> {
  return host(page)
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? '')));
}

describe("the viewer's process, network and pressure panels in Chromium", () => {
  const browser = useViewerBrowser();

  it('lists the busiest processes by CPU, re-sorts them by memory on a click, and never shows their arguments', async () => {
    const agent = await startViewerAgent(FAST_TOPICS, sourceWithProcesses());
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    await untilTrue('three processes with a CPU figure', async () => (await rowsOf(page, '.processes')).length === 3 && (await textOf(page, '.busiest')) !== '–');

    const names = async () => (await rowsOf(page, '.processes')).map((cells) => cells[0]);
    // A rate needs two reads: wait until the cruncher's share shows (0.5 s per 250 ms read is far above the others).
    await untilTrue('the cruncher first by CPU', async () => (await names())[0].startsWith('cruncher'));
    expect(await textOf(page, '.busiest-caption')).toBe('CPU (100% = one core): cruncher, pid 700, alice, is the busiest');
    expect(await textOf(page, '.cpu-busiest')).toMatch(/^Busiest: cruncher \(pid 700\), \d+\.\d% of a core$/);
    // The table keeps its rows and their places from one sample to the next: same elements, same widths.
    const rowsBefore = await host(page).locator('.processes tbody tr').elementHandles();
    const widths = () => host(page).locator('.processes thead th').evaluateAll((cells) => cells.map((cell) => cell.getBoundingClientRect().width));
    const widthsBefore = await widths();
    const busiestBefore = await textOf(page, '.busiest');
    await untilTrue('a new CPU figure', async () => (await textOf(page, '.busiest')) !== busiestBefore);
    const rowsAfter = await host(page).locator('.processes tbody tr').elementHandles();
    for (const [index, row] of rowsAfter.entries()) expect(await row.evaluate((el, before) => el === before, rowsBefore[index])).toBe(true);
    expect(await widths()).toEqual(widthsBefore);
    const cpuHeading = host(page).locator('.processes th[data-sort="cpu"]');
    const memoryHeading = host(page).locator('.processes th[data-sort="memory"]');
    expect(await cpuHeading.getAttribute('aria-sort')).toBe('descending');
    expect(await memoryHeading.getAttribute('aria-sort')).toBeNull();
    // 3 processes of 4 + 1 + 1 threads; the one in state R counted as running.
    expect(await textOf(page, '.process-counts')).toBe('3 processes, 6 threads · 1 running');
    const [cruncher] = await rowsOf(page, '.processes');
    // Name, command without arguments, pid, user, state; then CPU, RSS (50 MiB), threads.
    expect(cruncher.slice(0, 4)).toEqual(['cruncher/usr/bin/700', '700', 'alice', 'R']);
    expect(cruncher.slice(5, 7)).toEqual(['50.0 MiB', '4']);

    // By keyboard, as a person without a mouse would: the heading's button sorts by memory.
    await memoryHeading.locator('button').focus();
    await page.keyboard.press('Enter');
    await untilTrue('the hog first by memory', async () => (await names())[0].startsWith('hog'));
    expect(await names()).toEqual(['hog/usr/bin/800', 'cruncher/usr/bin/700', 'idler/usr/bin/900']);
    expect(await memoryHeading.getAttribute('aria-sort')).toBe('descending');
    expect(await cpuHeading.getAttribute('aria-sort')).toBeNull();
    expect((await rowsOf(page, '.processes'))[0][5]).toBe('2.00 GiB');

    expect(await host(page).locator('.panel-processes').textContent()).not.toContain('hunter2');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-processes.png'), fullPage: true });
    expect(problems).toEqual({ console: [], errors: [] });
    expect(await cspViolations(page)).toEqual([]);
  });

  it("shows each interface's traffic with its errors in red, the pressure stalls and the kernel's counters, as the agent sampled them", async () => {
    const fake = createFakeSource();
    // /proc/stat's kernel-wide lines beside the per-CPU counters, as the procfs source reads them.
    let cpuReads = 0;
    const cpuWithStat: Source['cpu'] = async () => {
      const reading = await fake.source.cpu();
      cpuReads += 1;
      const stat = { interrupts: 1000 + cpuReads * 500, contextSwitches: 5000 + cpuReads * 1200, forks: 100 + cpuReads * 3, procsRunning: 3, procsBlocked: 1 };
      return reading.kind === 'counters' ? { ...reading, stat } : reading;
    };
    const agent = await startViewerAgent(FAST_TOPICS, { ...fake.source, cpu: cpuWithStat });
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    await untilTrue('the network and pressure charts drawn in their series colour', async () =>
      (await pixelsOfColour(page, ':is(.chart-network, .chart-pressure)', '--series-1')).every((pixels) => pixels > 20),
    );
    // Hold every sample where it is: the page's latest and the snapshot's are then the same sample.
    for (const method of ['cpu', 'network', 'pressure'] as const) fake.fail(method, 'hang');
    const { latest } = await snapshot(agent.url);
    const eth0 = latest.network!.interfaces[0];
    const pressure = latest.pressure!;
    const cpu = latest.cpu!;
    await untilTrue('the held network sample drawn', async () => (await rowsOf(page, '.interfaces'))[0]?.[1] === formatRate(eth0.receiveBytesPerSecond));

    const [row] = await rowsOf(page, '.interfaces');
    expect(row.slice(0, 3)).toEqual(['eth0', formatRate(eth0.receiveBytesPerSecond), formatRate(eth0.transmitBytesPerSecond)]);
    // The fake counts one error and two drops each way per read: never zero, so red.
    expect(row[3]).toMatch(/^[\d.]+[KM]?\/s$/);
    expect(await host(page).locator('.interfaces tbody td').nth(2).getAttribute('data-level')).toBe('critical');

    const some = (resource: 'cpu' | 'memory' | 'io') => formatPercent(pressure[resource]!.some);
    const full = (resource: 'cpu' | 'memory' | 'io') => formatPercent(pressure[resource]!.full!);
    expect(await rowsOf(page, '.pressure')).toEqual([
      ['CPU', some('cpu'), full('cpu')],
      ['Memory', some('memory'), full('memory')],
      ['I/O', some('io'), full('io')],
    ]);
    expect(await host(page).locator('.pressure-absent').isHidden()).toBe(true);

    // The CPU panel's kernel counters, where the source reads /proc/stat.
    await untilTrue('the held CPU sample drawn', async () => (await textOf(page, '.cpu-usage')) === formatPercent(cpu.usage));
    expect(await host(page).locator('.cpu-kernel').isVisible()).toBe(true);
    expect(await textOf(page, '.cpu-procs')).toBe('3 · 1');
    expect(await textOf(page, '.cpu-context-switches')).toMatch(/^[\d.]+K?\/s$/);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-network-pressure.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
  });

  it('says so when the kernel has no pressure stall information, and shows no panel for a topic the agent does not sample', async () => {
    const { source } = createFakeSource();
    const agent = await startViewerAgent({ ...FAST_TOPICS, collectors: { ...FAST_TOPICS.collectors, processes: { enabled: false } } }, { ...source, pressure: async () => ({}) });
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    await host(page).locator('.pressure-absent').waitFor({ state: 'visible' });
    expect(await host(page).locator('.pressure').isHidden()).toBe(true);
    expect(await host(page).locator('.panel-processes').isHidden()).toBe(true);
    expect(await host(page).locator('.panel-network').isVisible()).toBe(true);
    expect(problems).toEqual({ console: [], errors: [] });
  });
});

describe("the viewer's alert strip and log in Chromium", () => {
  const browser = useViewerBrowser();

  /** The strip's entries about `name`, as text, with their state and level. */
  const stripOf = (page: Page, name: string) =>
    host(page)
      .locator('.alerts li')
      .evaluateAll((items, alertName) => items.filter((li) => li.textContent?.startsWith(alertName)).map((li) => ({ text: li.textContent, state: li.getAttribute('data-state'), level: li.getAttribute('data-level') })), name);

  it('shows a firing alert in its severity, a pending one with how long of its for, and keeps both changes in the log once resolved', async () => {
    const { source, setLoad1 } = sourceWithLoad();
    // Two of the agent's custom rules on the same figure: one fires at once, the other waits an hour.
    const custom = {
      HighLoad: { topic: 'load', field: 'load1', above: 3, for: 0, severity: 'critical' },
      SustainedLoad: { topic: 'load', field: 'load1', above: 3, for: '1h', severity: 'warning' },
    };
    const agent = await startViewerAgent({ alerts: { custom } }, source);
    const { page, problems } = await openViewer(browser.context(), `${agent.url}/`);
    expect(await stripOf(page, 'HighLoad')).toEqual([]);

    setLoad1(4.2);
    await untilTrue('HighLoad firing in the strip', async () => (await stripOf(page, 'HighLoad')).length === 1);
    const [firing] = await stripOf(page, 'HighLoad');
    expect(firing).toMatchObject({ state: 'firing', level: 'critical' });
    expect(firing.text).toMatch(/^HighLoad, critical: .+ · firing for \d+ s$/);
    const [pending] = await stripOf(page, 'SustainedLoad');
    expect(pending).toMatchObject({ state: 'pending', level: null });
    expect(pending.text).toMatch(/^SustainedLoad, warning: .+ · pending for \d+ s of 1 h$/);
    // The agent's own list says the same.
    const { data } = (await (await fetch(`${agent.url}/api/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
    expect(data.alerts.filter((a) => ['HighLoad', 'SustainedLoad'].includes(a.labels.alertname)).map((a) => [a.labels.alertname, a.state]).sort()).toEqual([
      ['HighLoad', 'firing'],
      ['SustainedLoad', 'pending'],
    ]);

    setLoad1(1);
    await untilTrue('HighLoad gone from the strip', async () => (await stripOf(page, 'HighLoad')).length === 0 && (await stripOf(page, 'SustainedLoad')).length === 0);
    const log = host(page).locator('.alert-log');
    await log.locator('summary').click();
    const rows = await rowsOf(page, '.alert-log-table');
    const states = (name: string) => rows.filter((cells) => cells[0] === name).map((cells) => cells[1]);
    // Newest first: resolved after firing; the pending one that never fired went back to inactive.
    expect(states('HighLoad')).toEqual(['resolved', 'firing']);
    expect(states('SustainedLoad')).toEqual(['inactive', 'pending']);
    const resolved = rows.find((cells) => cells[0] === 'HighLoad' && cells[1] === 'resolved')!;
    expect(resolved[4]).toMatch(/^(\d+ (s|min))( \d+ s)?$/);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-alerts.png'), fullPage: true });
    expect(problems).toEqual({ console: [], errors: [] });
  });
});
