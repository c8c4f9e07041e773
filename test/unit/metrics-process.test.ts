/**
 * The agent's process_* and nodejs_* families against prom-client's default metrics, whose names, HELP, types and
 * readings of /proc/self they stand in for (prom-client's own modules, read in this process at the same moment), and
 * against /proc/self/stat and the event loop as this test measures them.
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import type { Family } from '../../agent/metrics/family';
import { createProcessMetrics, softLimit, virtualMemoryBytes } from '../../agent/metrics/process';

/** prom-client's default metric modules, but for those that start a monitor (event-loop lag, GC) when registered. */
const PROM_CLIENT_MODULES = [
  'processCpuTotal', 'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors',
  'processResources', 'heapSizeAndUsed', 'version',
] as const;
type PromClientModule = ((registry: Registry) => void) & { metricNames: string[] };
const promClientModule = (name: string) => require(`prom-client/lib/metrics/${name}`) as PromClientModule;

/** prom-client's families that hostfeed does not serve (docs/metrics.md lists those it does). */
const NOT_SERVED = ['process_heap_bytes', 'nodejs_active_resources_total'];

interface PromClientFamily {
  name: string;
  help: string;
  type: string;
  values: { labels: Record<string, string | number>; value: number }[];
}

function promClientRegistry(): Registry {
  const registry = new Registry();
  for (const name of PROM_CLIENT_MODULES) promClientModule(name)(registry);
  return registry;
}

async function promClientFamily(registry: Registry, name: string): Promise<PromClientFamily> {
  return (await registry.getSingleMetric(name)!.get()) as unknown as PromClientFamily;
}

const byName = (families: Family[]) => new Map(families.map((f) => [f.name, f]));
const valueOf = (families: Family[], name: string) => byName(families).get(name)?.series[0]?.value;

/** This process' CPU seconds as the kernel counts them in /proc/self/stat (utime, stime), in USER_HZ ticks of 10 ms. */
function procSelfCpu(): { user: number; system: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

describe('process metrics', () => {
  it("name, HELP and type as prom-client's default metrics, each of them but those left out by design", async () => {
    const registry = promClientRegistry();
    const ours = byName(await createProcessMetrics().read());
    const theirs = await registry.getMetricsAsJSON();
    expect(theirs.length).toBeGreaterThan(10);
    for (const { name, help, type } of theirs) {
      if (NOT_SERVED.includes(name)) continue;
      const family = ours.get(name);
      expect({ name, help: family?.help, type: family?.type }).toEqual({ name, help, type });
    }
  });

  it("the event-loop lag families are prom-client's names, each a gauge with a HELP", async () => {
    const ours = byName(await createProcessMetrics().read());
    const names = promClientModule('eventLoopLag').metricNames;
    expect(names).toContain('nodejs_eventloop_lag_p99_seconds');
    for (const name of names) {
      expect({ name, type: ours.get(name)?.type, helped: Boolean(ours.get(name)?.help) }).toEqual({ name, type: 'gauge', helped: true });
    }
  });

  it("/proc/self readings equal prom-client's own: open and maximum descriptors, start time, Node's version", async () => {
    const registry = promClientRegistry();
    const families = await createProcessMetrics().read();
    const theirs = async (name: string) => (await promClientFamily(registry, name)).values;
    // The same moment: nothing opens a descriptor between the two readings.
    expect(valueOf(families, 'process_open_fds')).toBe((await theirs('process_open_fds'))[0]!.value);
    expect(valueOf(families, 'process_max_fds')).toBe((await theirs('process_max_fds'))[0]!.value);
    // Each rounds Date.now() / 1000 - uptime at its own moment: a second apart at most.
    const startTime = valueOf(families, 'process_start_time_seconds')!;
    expect(Math.abs(startTime - (await theirs('process_start_time_seconds'))[0]!.value)).toBeLessThanOrEqual(1);
    expect(startTime).toBeLessThanOrEqual(Date.now() / 1000 - process.uptime() + 1);
    const version = byName(families).get('nodejs_version_info')?.series;
    const [{ labels }] = await theirs('nodejs_version_info');
    expect(version).toEqual([{ labels: Object.fromEntries(Object.entries(labels!).map(([k, v]) => [k, String(v)])), value: 1 }]);
  });

  it("virtual memory: /proc/self/stat's vsize, as prom-client reads VmSize from /proc/self/status at the same moment", async () => {
    const registry = promClientRegistry();
    const before = valueOf(await createProcessMetrics().read(), 'process_virtual_memory_bytes')!;
    // prom-client reads /proc/self/status when it collects its resident memory gauge, for the three gauges at once.
    await promClientFamily(registry, 'process_resident_memory_bytes');
    const [theirs] = (await promClientFamily(registry, 'process_virtual_memory_bytes')).values;
    const after = valueOf(await createProcessMetrics().read(), 'process_virtual_memory_bytes')!;
    // A mapping made or dropped between the readings moves both the same way: theirs lies between ours.
    expect(theirs!.value).toBeGreaterThanOrEqual(Math.min(before, after));
    expect(theirs!.value).toBeLessThanOrEqual(Math.max(before, after));
  });

  it("vsize is the 23rd field of proc(5)'s stat, whatever the command name holds", () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
    // cstime priority nice num_threads itrealvalue starttime vsize rss ...
    const stat = '42 (a) b (c) S 1 42 42 0 -1 4194560 10 0 0 0 5 3 0 0 20 0 7 0 1234 987654321 2048 18446744073709551615';
    expect(virtualMemoryBytes(stat)).toBe(987654321);
    expect(virtualMemoryBytes('42 (x) S 1')).toBeUndefined();
  });

  it("soft limits of /proc/self/limits; unlimited as Go's client reports it (node_exporter: 1.8446744073709552e+19)", () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max open files            1024                 1048576              files     ',
      'Max address space         unlimited            unlimited            bytes     ',
      'Max locked memory         8388608              8388608              bytes     ',
    ].join('\n');
    expect(softLimit(limits, 'Max open files')).toBe(1024);
    expect(softLimit(limits, 'Max address space')).toBe(1.8446744073709552e19);
    expect(softLimit(limits, 'Max locked memory')).toBe(8388608);
    expect(softLimit(limits, 'Max processes')).toBeUndefined();
  });

  it("active resources by type, as prom-client counts process.getActiveResourcesInfo()", async () => {
    const registry = promClientRegistry();
    // Three timers of one type, so that a count other than 1 is among them.
    const timers = [1, 2, 3].map(() => setTimeout(() => undefined, 3_600_000));
    try {
      const ours = byName(await createProcessMetrics().read()).get('nodejs_active_resources')?.series;
      const theirs = (await promClientFamily(registry, 'nodejs_active_resources')).values;
      const counts = (series: readonly { labels: Readonly<Record<string, unknown>>; value: number }[]) => Object.fromEntries(series.map((s) => [s.labels.type, s.value]));
      expect(counts(ours!)).toEqual(counts(theirs));
      expect(ours!.find((s) => s.labels.type === 'Timeout')!.value).toBeGreaterThanOrEqual(3);
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  });

  it('CPU seconds between two readings of /proc/self/stat, user and system apart, and their sum', async () => {
    const metrics = createProcessMetrics();
    const before = procSelfCpu();
    const families = await metrics.read();
    const after = procSelfCpu();
    const tick = 0.01;
    const user = valueOf(families, 'process_cpu_user_seconds_total')!;
    const system = valueOf(families, 'process_cpu_system_seconds_total')!;
    expect(user).toBeGreaterThanOrEqual(before.user - tick);
    expect(user).toBeLessThanOrEqual(after.user + tick);
    expect(system).toBeGreaterThanOrEqual(before.system - tick);
    expect(system).toBeLessThanOrEqual(after.system + tick);
    expect(valueOf(families, 'process_cpu_seconds_total')).toBeCloseTo(user + system, 9);
    // Node's heap figures, as process.memoryUsage() tells them: the used part of the heap is within its size.
    expect(valueOf(families, 'nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(valueOf(families, 'nodejs_heap_size_total_bytes')!);
  });

  it('the lag of this scrape: within the time read() took; the statistics of one scrape are that one lag', async () => {
    const metrics = createProcessMetrics();
    const started = process.hrtime.bigint();
    const families = await metrics.read();
    const took = Number(process.hrtime.bigint() - started) / 1e9;
    const lag = valueOf(families, 'nodejs_eventloop_lag_seconds')!;
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThanOrEqual(took);
    // One recording, clamped to the histogram's lowest discernible value of 1 µs, and kept at 2 significant figures
    // (1 %) but never finer than that lowest value (Node's createHistogram: `lowest` is the smallest difference it
    // tells apart, so a lag of a few µs reads up to 1 µs off).
    const recorded = Math.max(1e-6, lag);
    for (const stat of ['min', 'max', 'mean', 'p50', 'p90', 'p99']) {
      const value = valueOf(families, `nodejs_eventloop_lag_${stat}_seconds`)!;
      expect({ stat, near: Math.abs(value - recorded) <= Math.max(recorded * 0.01, 1e-6) }).toEqual({ stat, near: true });
    }
    expect(valueOf(families, 'nodejs_eventloop_lag_stddev_seconds')).toBe(0);
  });

  it('every family holds one series at least and a HELP (the Prometheus exposition has one per family)', async () => {
    const families = await createProcessMetrics().read();
    for (const { name, help, series } of families) expect({ name, helped: help.length > 0, series: series.length > 0 }).toEqual({ name, helped: true, series: true });
  });
});
