import type { ProcessEntry, ProcessesEvent } from '../events';
import type { ProcessesCollectorConfig } from '../config';
import type { ProcessDetail, ProcessesReading, ProcessStat, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, perSecond } from './deltas';

/** A process's counters at the last sample, kept with its start time: a pid reused since is another process. */
interface Previous {
  at: number;
  cpu: Map<number, { startTicks: number; cpuSeconds: number }>;
  io: Map<number, { startTicks: number; readBytes: number; writeBytes: number }>;
}

/** The same process in both readings: same pid and same start time. */
function sameProcess<T extends { startTicks: number }>(seen: Map<number, T>, process: ProcessStat): T | undefined {
  const before = seen.get(process.pid);
  return before && before.startTicks === process.startTicks ? before : undefined;
}

/**
 * CPU seconds each process used since the previous reading. A process not in it started since (or took a reused pid):
 * all of its CPU time was spent in the interval, as top counts it.
 */
export function cpuUsed(previous: Previous['cpu'], processes: readonly ProcessStat[]): Map<number, number> {
  return new Map(processes.map((p) => [p.pid, increase(sameProcess(previous, p)?.cpuSeconds ?? 0, p.cpuSeconds)]));
}

/** The `top` processes by CPU used, then the `top` by RSS not among them: the pids to read the details of. */
export function pickTop(processes: readonly ProcessStat[], used: Map<number, number>, top: number): number[] {
  const byCpu = [...processes].sort((a, b) => used.get(b.pid)! - used.get(a.pid)! || b.rssBytes - a.rssBytes || a.pid - b.pid);
  const byMemory = [...processes].sort((a, b) => b.rssBytes - a.rssBytes || used.get(b.pid)! - used.get(a.pid)! || a.pid - b.pid);
  return [...new Set([...byCpu.slice(0, top), ...byMemory.slice(0, top)].map((p) => p.pid))];
}

/**
 * The command as the event shows it, cut at `maxLength` characters: the program alone unless arguments are shown. A
 * program that rewrote its command line as one string (chromium's `chromium --type=renderer ...`, `nginx: master
 * process ...`) holds its arguments in argv[0] itself: the program is cut at its first space, so that they stay hidden
 * too (a path with a space in it is cut short by the same rule).
 */
export function commandOf(argv: readonly string[], showArguments: boolean, maxLength: number): string {
  const command = showArguments ? argv.join(' ') : (argv[0] ?? '').split(' ', 1)[0]!;
  if (command.length <= maxLength) return command;
  const characters = Array.from(command); // by code point: a cut never splits a character in two
  return characters.length <= maxLength ? command : `${characters.slice(0, maxLength - 1).join('')}…`;
}

/** Processes in each state: the event's totals and node_processes_state. */
export function countStates(processes: readonly ProcessStat[]): Record<string, number> {
  const states: Record<string, number> = {};
  for (const { state } of processes) states[state] = (states[state] ?? 0) + 1;
  return states;
}

/** Threads of all processes: the event's and node_processes_threads. */
export function countThreads(processes: readonly ProcessStat[]): number {
  return processes.reduce((sum, p) => sum + p.threads, 0);
}

/** `monotonicMs` times the interval of the rates (performance.now(): wall-clock steps do not bend them). */
export function createProcessesCollector(
  source: Required<Pick<Source, 'processes'>>,
  config: ProcessesCollectorConfig,
  now: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): Collector<'processes'> {
  let previous: Previous | undefined;

  return {
    topic: 'processes',
    async collect() {
      let base: Previous | undefined;
      let at = 0;
      let used = new Map<number, number>();
      const raw: ProcessesReading = await source.processes((processes) => {
        // The time the stat files were read: the details that follow are read after it, and only for the few picked.
        at = monotonicMs();
        base = previous && at > previous.at && isRateBase(previous.at, at) ? previous : undefined;
        if (!base) return []; // a baseline: nobody to rank, so no details to read
        used = cpuUsed(base.cpu, processes);
        return pickTop(processes, used, config.top);
      });
      const stats = new Map(raw.processes.map((p) => [p.pid, p]));
      previous = {
        at,
        cpu: new Map(raw.processes.map((p) => [p.pid, { startTicks: p.startTicks, cpuSeconds: p.cpuSeconds }])),
        io: new Map(raw.details.flatMap((d) => (d.io ? [[d.pid, { startTicks: stats.get(d.pid)!.startTicks, ...d.io }]] : []))),
      };
      if (!base) return { topic: 'processes', raw };
      const seconds = (at - base.at) / 1000;
      const entry = (detail: ProcessDetail): ProcessEntry => {
        const process = stats.get(detail.pid)!;
        const io = detail.io && sameProcess(base!.io, process);
        return {
          pid: process.pid,
          name: process.name,
          command: commandOf(detail.argv, config.showArguments, config.commandMaxLength),
          user: detail.user,
          state: process.state,
          cpuSecondsPerSecond: perSecond(used.get(process.pid)!, seconds),
          rssBytes: process.rssBytes,
          threads: process.threads,
          ...(io && {
            readBytesPerSecond: perSecond(increase(io.readBytes, detail.io!.readBytes), seconds),
            writeBytesPerSecond: perSecond(increase(io.writeBytes, detail.io!.writeBytes), seconds),
          }),
        };
      };
      const data: ProcessesEvent = {
        ts: now(),
        total: raw.processes.length,
        threads: countThreads(raw.processes),
        states: countStates(raw.processes),
        top: raw.details.map(entry),
      };
      return { topic: 'processes', data, raw };
    },
  };
}
