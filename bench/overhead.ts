/**
 * Agent overhead at the default intervals, next to node_exporter with the same collectors, both scraped every second
 * for the same minute: CPU seconds per minute (own + children), child processes started, RSS.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { cpuSecondsOf, rssBytesOf } from './procstat';
import { parseConfig } from '../agent/config';
import { startNodeExporter } from './node-exporter';
import { freePort, startProcess, stopProcess, waitForUrl } from './processes';

const ROOT = join(__dirname, '../..');
const MAIN = join(ROOT, 'dist/agent/main.js');
const COUNT_CHILDREN = join(ROOT, 'bench/count-children.js');
/** The collectors issue #2 names for the comparison: the ones behind hostfeed's samples. */
const NODE_EXPORTER_COLLECTORS = ['cpu', 'meminfo', 'filesystem', 'diskstats', 'loadavg'];

export interface OverheadFigures {
  name: string;
  cpuSecondsPerMinute: number;
  /** Child processes started during the whole run, start-up included (agents only). */
  childProcesses?: number;
  rssBytes: number;
}

interface Subject {
  name: string;
  child: ChildProcess;
  metricsUrl: string;
  output: () => string;
}

async function startAgent(name: string, source: 'procfs' | 'systeminformation', dir: string): Promise<Subject> {
  const port = await freePort();
  const config = join(dir, `${source}.json`);
  writeFileSync(config, JSON.stringify({ port, source }));
  const { child, output } = startProcess(process.execPath, ['--require', COUNT_CHILDREN, MAIN, '--config', config], {
    HOSTFEED_LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForUrl(`${base}/healthz`);
  return { name, child, metricsUrl: `${base}/metrics`, output };
}

async function startPeer(): Promise<Subject> {
  // With hostfeed's default exclusions: Debian patches node_exporter's own defaults.
  const { child, metricsUrl } = await startNodeExporter(parseConfig({}, 'bench'), NODE_EXPORTER_COLLECTORS);
  return { name: 'node_exporter', child, metricsUrl, output: () => '' };
}

function childCountOf(subject: Subject): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${subject.name} did not report its child count`)), 2000);
    const onData = () => {
      const match = /hostfeed-bench children=(\d+)/.exec(subject.output());
      if (!match) return;
      clearTimeout(timer);
      subject.child.stderr?.off('data', onData);
      resolve(Number(match[1]));
    };
    subject.child.stderr?.on('data', onData);
    subject.child.kill('SIGUSR2');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchOverhead(seconds = 60, warmupSeconds = 15): Promise<OverheadFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-bench-'));
  const subjects: Subject[] = [];
  try {
    subjects.push(await startAgent('hostfeed (procfs)', 'procfs', dir));
    subjects.push(await startAgent('hostfeed (systeminformation)', 'systeminformation', dir));
    subjects.push(await startPeer());
    const pid = (s: Subject) => s.child.pid!;
    // Every subject is scraped once a second, as a Prometheus with scrape_interval: 1s would.
    const scrapeEverySecond = async (count: number) => {
      const startedAt = Date.now();
      for (let tick = 0; tick < count; tick += 1) {
        await Promise.all(subjects.map(async (s) => (await fetch(s.metricsUrl)).text()));
        await sleep(Math.max(0, startedAt + (tick + 1) * 1000 - Date.now()));
      }
    };
    // V8 finishes its start-up garbage collection in the first seconds; node_exporter has none. Its optimising
    // compiler goes on for longer: code that runs once a second gets hot only after minutes (see README).
    await scrapeEverySecond(warmupSeconds);
    const before = subjects.map((s) => cpuSecondsOf(pid(s)));
    const startedAt = Date.now();
    await scrapeEverySecond(seconds);
    const minutes = (Date.now() - startedAt) / 60_000;
    return await Promise.all(
      subjects.map(async (s, index) => {
        const after = cpuSecondsOf(pid(s));
        const used = after.own + after.children - before[index].own - before[index].children;
        return {
          name: s.name,
          cpuSecondsPerMinute: used / minutes,
          childProcesses: s.name.startsWith('hostfeed') ? await childCountOf(s) : undefined,
          rssBytes: rssBytesOf(pid(s)),
        };
      }),
    );
  } finally {
    await Promise.all(subjects.map((s) => stopProcess(s.child)));
  }
}
