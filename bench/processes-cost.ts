/**
 * The processes collector's CPU per sample on a synthetic procfs tree of 1,000 processes (proc-tree.ts), against
 * node_exporter's processes collector scraping the same tree in the same run. hostfeed's figure is one collect() in
 * this process (process.cpuUsage, microseconds); node_exporter's is its CPU over many scrapes (its /proc/<pid>/stat,
 * 10 ms ticks) divided by their number, less the same for a node_exporter with no collector at all, so that both
 * figures are the collector's own work without the HTTP and exposition around it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcessesCollector } from '../agent/collectors/processes';
import { parseConfig } from '../agent/config';
import { createProcfsSource } from '../agent/sources/procfs/source';
import { startNodeExporter } from './node-exporter';
import { writeProcTree } from './proc-tree';
import { cpuSecondsOf } from './procstat';
import { scrapeConnection, timeScrape } from './scrape';

/** The budget: one sample of 1,000 processes under 15 ms of CPU. */
export const PROCESSES_SAMPLE_TARGET_MS = 15;
const WARMUP = 10;

export interface ProcessesCost {
  processes: number;
  samples: number;
  hostfeed: { medianMs: number; maxMs: number; meanMs: number };
  /** CPU per scrape with only the processes collector, less that of a scrape with none. */
  nodeExporter: { meanMs: number; scrapeMs: number; emptyScrapeMs: number };
  /** The same collector on this host's /proc, whose files the kernel writes on each read: costlier per file. */
  host: { processes: number; medianMs: number; maxMs: number };
}

const figures = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, maxMs: sorted[sorted.length - 1]!, meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length };
};

async function hostfeedMs(root: string, samples: number): Promise<{ times: number[]; processes: number }> {
  const config = parseConfig({ procfsRoot: root }, 'bench');
  const source = createProcfsSource({ root });
  const collector = createProcessesCollector({ processes: source.processes!.bind(source) }, config.collectors.processes);
  const times: number[] = [];
  let processes = 0;
  try {
    for (let i = 0; i < WARMUP + samples; i++) {
      const before = process.cpuUsage();
      const reading = await collector.collect();
      const used = process.cpuUsage(before);
      if (i > 0 && !reading.data) throw new Error('a sample after the first was a baseline: no rate was taken');
      if (i >= WARMUP) times.push((used.user + used.system) / 1000);
      processes = reading.raw.processes.length;
    }
  } finally {
    source.close?.();
  }
  return { times, processes };
}

/** node_exporter's CPU ms per scrape over `scrapes` scrapes of a node_exporter with `collectors` on the tree. */
async function nodeExporterMs(root: string, collectors: string[], scrapes: number): Promise<number> {
  const nodeExporter = await startNodeExporter(parseConfig({ procfsRoot: root }, 'bench'), collectors);
  const connection = scrapeConnection();
  try {
    for (let i = 0; i < WARMUP; i++) await timeScrape(nodeExporter.metricsUrl, connection);
    const cpu = () => cpuSecondsOf(nodeExporter.child.pid!).own;
    const before = cpu();
    for (let i = 0; i < scrapes; i++) await timeScrape(nodeExporter.metricsUrl, connection);
    return ((cpu() - before) * 1000) / scrapes;
  } finally {
    connection.destroy();
    await nodeExporter.stop();
  }
}

export async function benchProcessesCost(processes = 1000, samples = 100, scrapes = 300): Promise<ProcessesCost> {
  const root = mkdtempSync(join(tmpdir(), 'hostfeed-bench-proc-'));
  try {
    writeProcTree(root, processes);
    const { times } = await hostfeedMs(root, samples);
    const scrapeMs = await nodeExporterMs(root, ['processes'], scrapes);
    const emptyScrapeMs = await nodeExporterMs(root, [], scrapes);
    const host = await hostfeedMs('/proc', samples);
    const { medianMs, maxMs } = figures(host.times);
    return {
      processes,
      samples,
      hostfeed: figures(times),
      nodeExporter: { meanMs: scrapeMs - emptyScrapeMs, scrapeMs, emptyScrapeMs },
      host: { processes: host.processes, medianMs, maxMs },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
