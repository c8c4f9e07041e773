/**
 * The agent's own process_* and nodejs_* families, read when scraped and never in between. prom-client's default
 * metrics keep a libuv timer for event-loop delay (its resolution wakes the process all day: at 10 ms, 100 times a
 * second; at 1 s, a lag figure that is mostly the resolution) and a GC observer, and read /proc/self/status on every
 * scrape: costs an idle exporter must not pay (the virtual memory size comes from /proc/self/stat, a fifth of its
 * size). Names, types and units are prom-client's, so Node dashboards work.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { family, single, type Family } from './family';

/** A soft limit of /proc/self/limits, "unlimited" as Go's client reports it (the largest uint64). */
export function softLimit(limits: string, name: string): number | undefined {
  const value = new RegExp(`^${name}\\s+(\\d+|unlimited)\\s`, 'm').exec(limits)?.[1];
  if (value === undefined) return undefined;
  return value === 'unlimited' ? 2 ** 64 - 1 : Number(value);
}

/** /proc/self/limits, read once: an agent's limits are set when it starts. Not Linux: none. */
function readLimits(): string {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return '';
  }
}

/** vsize, the 23rd field of /proc/self/stat (proc(5)), counted after the command name's closing parenthesis. */
export function virtualMemoryBytes(stat: string): number | undefined {
  const vsize = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[20];
  return vsize === undefined ? undefined : Number(vsize);
}

function readVirtualMemoryBytes(): number | undefined {
  try {
    return virtualMemoryBytes(readFileSync('/proc/self/stat', 'latin1'));
  } catch {
    return undefined;
  }
}

/** Less the descriptor readdirSync held while it listed the folder (closed since), as prom-client counts. */
function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** How late a callback queued now runs: the event loop's lag at this moment, in nanoseconds. */
function measureLag(): Promise<number> {
  const queued = process.hrtime.bigint();
  return new Promise((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - queued))));
}

export interface ProcessMetrics {
  /** The families as of now; measures the event loop's lag on the way. */
  read(): Promise<Family[]>;
}

export function createProcessMetrics(): ProcessMetrics {
  const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const limits = readLimits();
  const fdLimit = softLimit(limits, 'Max open files');
  const addressSpaceLimit = softLimit(limits, 'Max address space');
  const [major, minor, patch] = process.versions.node.split('.');
  // Lag measured at each scrape since start: an idle agent's true lag, with no timer between scrapes. From 1 µs to a
  // minute at 2 significant figures: reading its statistics costs 0.08 ms a scrape where the defaults' cost 0.9 ms.
  const lags = createHistogram({ lowest: 1000, highest: 60e9, figures: 2 });

  return {
    async read() {
      const lagNs = await measureLag();
      lags.record(Math.min(60e9, Math.max(1000, lagNs)));
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const seconds = (ns: number) => ns / 1e9;
      const lagFamily = (suffix: string, help: string, ns: number) => single(`nodejs_eventloop_lag_${suffix}_seconds`, help, 'gauge', seconds(ns));
      return [
        single('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', 'counter', cpu.user / 1e6),
        single('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', 'counter', cpu.system / 1e6),
        single('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'counter', (cpu.user + cpu.system) / 1e6),
        single('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', startTimeSeconds),
        single('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', memory.rss),
        single('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'gauge', readVirtualMemoryBytes()),
        single('process_virtual_memory_max_bytes', 'Maximum amount of virtual memory available in bytes.', 'gauge', addressSpaceLimit),
        single('process_open_fds', 'Number of open file descriptors.', 'gauge', openFds()),
        single('process_max_fds', 'Maximum number of open file descriptors.', 'gauge', fdLimit),
        single('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', 'gauge', memory.heapTotal),
        single('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', 'gauge', memory.heapUsed),
        single('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', 'gauge', memory.external),
        single('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds, measured at this scrape.', 'gauge', seconds(lagNs)),
        lagFamily('min', 'The minimum recorded event loop delay, over the scrapes since start.', lags.min),
        lagFamily('max', 'The maximum recorded event loop delay, over the scrapes since start.', lags.max),
        lagFamily('mean', 'The mean of the recorded event loop delays, over the scrapes since start.', lags.mean),
        lagFamily('stddev', 'The standard deviation of the recorded event loop delays, over the scrapes since start.', lags.stddev),
        lagFamily('p50', 'The 50th percentile of the recorded event loop delays, over the scrapes since start.', lags.percentile(50)),
        lagFamily('p90', 'The 90th percentile of the recorded event loop delays, over the scrapes since start.', lags.percentile(90)),
        lagFamily('p99', 'The 99th percentile of the recorded event loop delays, over the scrapes since start.', lags.percentile(99)),
        family('nodejs_active_resources', 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', 'gauge', countBy(process.getActiveResourcesInfo())),
        family('nodejs_version_info', 'Node.js version info.', 'gauge', [[{ version: process.version, major: major!, minor: minor!, patch: patch! }, 1]]),
      ];
    },
  };
}

function countBy(types: string[]): [Record<string, string>, number][] {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, count]) => [{ type }, count]);
}
