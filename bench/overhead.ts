/**
 * The footprint scenarios of issue 11, every subject of every scenario started at once and measured in the same
 * window (so that load on the machine weighs on all alike), each driven by its own scrape loop; the whole run twice
 * with fresh processes. CPU is utime+stime of each subject's process tree from /proc; RSS is read at the window's end.
 * Subjects: hostfeed (`node dist/agent/main.js`, default config), the dependency-free floor (floor-agent.ts),
 * node_exporter with the collectors behind hostfeed's families, and beside C Netdata at its defaults when installed.
 * Loopback only; every process is ended by PID.
 */
import { parseConfig } from '../agent/config';
import { startAgentProcess } from './agent-process';
import { readEvents, type EventsReader } from './events-reader';
import { startFloorAgent } from './floor';
import { netdataMissing, startNetdata } from './netdata';
import { startNodeExporter } from './node-exporter';
import { treeCpuSecondsOf, treeRssBytesOf } from './procstat';
import { startScrapeLoop, type ScrapeCounts, type ScrapeLoop } from './scrape-loop';


export const SUBJECT_KINDS = ['hostfeed', 'floor', 'node_exporter', 'netdata'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export interface Scenario {
  key: string;
  title: string;
  /** Seconds between scrapes of each subject scraped in this scenario. */
  scrapeSeconds: Partial<Record<SubjectKind, number>>;
  /** One /events client reads hostfeed's stream for the whole run. */
  eventsClient: boolean;
  /** Netdata runs beside this scenario (not scraped: it samples by itself). */
  netdata: boolean;
  /** Issue 11's bound on hostfeed's CPU / node_exporter's. */
  targetRatio: number;
}

export const SCENARIOS: Scenario[] = [
  { key: 'A', title: 'scraped every 15 s, nobody watching', scrapeSeconds: { hostfeed: 15, floor: 15, node_exporter: 15 }, eventsClient: false, netdata: false, targetRatio: 2.0 },
  { key: 'B', title: 'scraped every 1 s, nobody watching', scrapeSeconds: { hostfeed: 1, floor: 1, node_exporter: 1 }, eventsClient: false, netdata: false, targetRatio: 1.6 },
  {
    key: 'C',
    title: 'one /events client + a 15 s scrape, vs node_exporter scraped every 1 s (the floor has no /events: scraped every 1 s)',
    scrapeSeconds: { hostfeed: 15, floor: 1, node_exporter: 1 },
    eventsClient: true,
    netdata: true,
    targetRatio: 1.0,
  },
];

/** One subject of one scenario in one repetition. */
export interface SubjectFigures {
  kind: SubjectKind;
  cpuSecondsPerMinute: number;
  /** Of the whole process tree, at the measured window's end. */
  rssBytes: number;
  /** Scrapes in the measured window (none for a subject nobody scrapes). */
  scrapes?: ScrapeCounts;
  /** Child processes the agent started during the whole run (hostfeed only). */
  childProcesses?: number;
  /** Events the /events client received in the measured window, by type, and why its stream ended if it did. */
  events?: { counts: Map<string, number>; failure?: string };
}

export interface OverheadRun {
  warmupSeconds: number;
  seconds: number;
  /** Per repetition, per scenario key: its subjects' figures. */
  reps: Map<string, SubjectFigures[]>[];
  /** Why Netdata is not on the table, when it is not. */
  netdataSkipped?: string;
}

interface RunningSubject {
  scenario: Scenario;
  kind: SubjectKind;
  pid: number;
  metricsUrl?: string;
  childProcesses?: () => Promise<number>;
  stop(): Promise<void>;
}

async function startSubject(scenario: Scenario, kind: SubjectKind): Promise<RunningSubject> {
  switch (kind) {
    case 'hostfeed': {
      const agent = await startAgentProcess({}, { countChildren: true });
      return { scenario, kind, pid: agent.child.pid!, metricsUrl: `${agent.url}/metrics`, childProcesses: agent.childProcesses, stop: agent.stop };
    }
    case 'floor': {
      const floor = await startFloorAgent();
      return { scenario, kind, pid: floor.child.pid!, metricsUrl: floor.metricsUrl, stop: floor.stop };
    }
    case 'node_exporter': {
      // hostfeed's default exclusions are upstream node_exporter's (Debian patches its own build's defaults).
      // The collectors behind every family hostfeed serves by default (issue 11 named the six of its day; since then
      // hostfeed has gained stat, network, pressure and processes, on by default): like for like.
      const peer = await startNodeExporter(parseConfig({}, 'bench'));
      return { scenario, kind, pid: peer.child.pid!, metricsUrl: peer.metricsUrl, stop: peer.stop };
    }
    case 'netdata': {
      const netdata = await startNetdata();
      return { scenario, kind, pid: netdata.child.pid!, stop: netdata.stop };
    }
  }
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function cpuOf(subject: RunningSubject): number {
  try {
    return treeCpuSecondsOf(subject.pid);
  } catch (err) {
    throw new Error(`${subject.kind} of scenario ${subject.scenario.key} is gone (${(err as Error).message})`);
  }
}

const countsBetween = (before: Map<string, number>, after: Map<string, number>) =>
  new Map([...after].map(([type, count]) => [type, count - (before.get(type) ?? 0)] as const).filter(([, count]) => count > 0));

/** One repetition: every scenario's subjects started, warmed up and measured together, then ended. */
async function runOnce(scenarios: Scenario[], warmupSeconds: number, seconds: number, withNetdata: boolean): Promise<Map<string, SubjectFigures[]>> {
  const subjects: RunningSubject[] = [];
  const loops = new Map<RunningSubject, ScrapeLoop>();
  const readers = new Map<Scenario, EventsReader>();
  try {
    for (const scenario of scenarios) {
      const kinds = SUBJECT_KINDS.filter((kind) => scenario.scrapeSeconds[kind] !== undefined || (kind === 'netdata' && scenario.netdata && withNetdata));
      for (const kind of kinds) subjects.push(await startSubject(scenario, kind));
      const hostfeed = subjects.find((s) => s.scenario === scenario && s.kind === 'hostfeed')!;
      if (scenario.eventsClient) readers.set(scenario, await readEvents(hostfeed.metricsUrl!.replace(/\/metrics$/, '/events')));
    }
    // Phases spread over the interval, as Prometheus spreads its targets: the subjects are not all asked at once.
    const scraped = subjects.filter((s) => s.metricsUrl !== undefined);
    scraped.forEach((s, i) => {
      const everyMs = s.scenario.scrapeSeconds[s.kind]! * 1000;
      loops.set(s, startScrapeLoop(s.metricsUrl!, everyMs, Math.round((i / scraped.length) * everyMs)));
    });

    await sleep(warmupSeconds);
    const cpuBefore = subjects.map(cpuOf);
    const scrapesBefore = new Map([...loops].map(([s, loop]) => [s, loop.counts()]));
    const eventsBefore = new Map([...readers].map(([scenario, reader]) => [scenario, reader.counts()]));
    const startedAt = Date.now();
    await sleep(seconds);
    const cpuAfter = subjects.map(cpuOf);
    const minutes = (Date.now() - startedAt) / 60_000;

    const figures = new Map<string, SubjectFigures[]>(scenarios.map((s) => [s.key, []]));
    for (const [index, subject] of subjects.entries()) {
      const loop = loops.get(subject);
      const before = scrapesBefore.get(subject);
      const after = loop?.counts();
      const reader = subject.kind === 'hostfeed' ? readers.get(subject.scenario) : undefined;
      figures.get(subject.scenario.key)!.push({
        kind: subject.kind,
        cpuSecondsPerMinute: (cpuAfter[index] - cpuBefore[index]) / minutes,
        rssBytes: treeRssBytesOf(subject.pid),
        scrapes: after && before && { ...after, scrapes: after.scrapes - before.scrapes, failures: after.failures - before.failures },
        childProcesses: await subject.childProcesses?.(),
        events: reader && { counts: countsBetween(eventsBefore.get(subject.scenario)!, reader.counts()), failure: reader.failure() },
      });
    }
    return figures;
  } finally {
    readers.forEach((reader) => reader.close());
    await Promise.all([...loops.values()].map((loop) => loop.stop()));
    await Promise.all(subjects.map((s) => s.stop()));
  }
}

/** Both repetitions, one after the other: `reps` fresh starts of every subject. */
export async function benchOverhead(warmupSeconds: number, seconds: number, reps = 2): Promise<OverheadRun> {
  const netdataSkipped = netdataMissing();
  const run: OverheadRun = { warmupSeconds, seconds, reps: [], netdataSkipped };
  for (let rep = 1; rep <= reps; rep += 1) {
    process.stderr.write(`overhead: repetition ${rep} of ${reps}, ${warmupSeconds} s warm-up + ${seconds} s measured\n`);
    run.reps.push(await runOnce(SCENARIOS, warmupSeconds, seconds, netdataSkipped === undefined));
  }
  return run;
}
