import { CPU_MODES, type CpuEvent, type CpuMode } from '../events';
import type { Reading } from '../samples';
import type { CpuCounters, CpuReading, KernelStat, Source } from '../sources/types';
import type { Collector } from './types';
import { increase, isRateBase, perSecond, ratio } from './deltas';

type ModeRatios = CpuEvent['modes'];

/**
 * An idle counter this far (seconds) or more below its last value is a CPU that went offline and online: the kernel
 * restarts its idle (and iowait) time. node_exporter's cpu collector takes the same limit (jumpBackSeconds).
 */
const IDLE_JUMP_BACK_SECONDS = 3;

/** Whether the CPU's counters restarted between the two readings, so that the earlier one no longer applies. */
function restarted(last: CpuCounters, next: CpuCounters): boolean {
  return last.seconds.idle - next.seconds.idle >= IDLE_JUMP_BACK_SECONDS;
}

/**
 * Keeps each CPU's counters from going backwards, as node_exporter's cpu collector does: a mode whose new value is
 * below the last one keeps the last one (iowait is known to dip on some kernels). A CPU that went offline is forgotten,
 * and one whose counters restarted (hotplug) is taken afresh, so that neither starts from its old values.
 */
export function clampCounters(previous: Map<string, CpuCounters>, current: CpuCounters[]): CpuCounters[] {
  return current.map((next) => {
    const last = previous.get(next.cpu);
    if (!last || restarted(last, next)) return next;
    const seconds = { ...next.seconds };
    for (const mode of CPU_MODES) seconds[mode] = Math.max(last.seconds[mode], next.seconds[mode]);
    return {
      cpu: next.cpu,
      seconds,
      guestSeconds: {
        user: Math.max(last.guestSeconds.user, next.guestSeconds.user),
        nice: Math.max(last.guestSeconds.nice, next.guestSeconds.nice),
      },
    };
  });
}

function sumModes(seconds: Record<CpuMode, number>): number {
  return CPU_MODES.reduce((total, mode) => total + seconds[mode], 0);
}

/** Shares of each mode between two readings of every CPU present in both, and not restarted in between. */
export function usageFromCounters(previous: Map<string, CpuCounters>, current: CpuCounters[]): Pick<CpuEvent, 'usage' | 'modes' | 'cores'> {
  const totalDelta = Object.fromEntries(CPU_MODES.map((mode) => [mode, 0])) as Record<CpuMode, number>;
  const cores: CpuEvent['cores'] = [];
  for (const now of current) {
    const before = previous.get(now.cpu);
    if (!before || restarted(before, now)) continue;
    const delta = Object.fromEntries(CPU_MODES.map((mode) => [mode, increase(before.seconds[mode], now.seconds[mode])])) as Record<
      CpuMode,
      number
    >;
    const elapsed = sumModes(delta);
    for (const mode of CPU_MODES) totalDelta[mode] += delta[mode];
    cores.push({ cpu: now.cpu, usage: elapsed > 0 ? 1 - ratio(delta.idle, elapsed) : 0 });
  }
  const elapsed = sumModes(totalDelta);
  const modes = Object.fromEntries(CPU_MODES.map((mode) => [mode, ratio(totalDelta[mode], elapsed)])) as ModeRatios;
  return { usage: elapsed > 0 ? 1 - modes.idle : 0, modes, cores };
}

/** The systeminformation path: the library already computed the shares; only the event shape changes. */
export function usageFromRatios(reading: Extract<CpuReading, { kind: 'ratios' }>): Pick<CpuEvent, 'usage' | 'modes' | 'cores'> {
  const modes: ModeRatios = { user: 0, system: 0, idle: 0 };
  for (const mode of CPU_MODES) {
    const value = reading.total[mode];
    if (value !== undefined) modes[mode] = ratio(value, 1);
  }
  return {
    usage: 1 - modes.idle,
    modes,
    cores: reading.cpus.map(({ cpu, modes: core }) => ({ cpu, usage: 1 - ratio(core.idle ?? 0, 1) })),
  };
}

type KernelFigures = Pick<CpuEvent, 'contextSwitchesPerSecond' | 'forksPerSecond' | 'interruptsPerSecond' | 'procsRunning' | 'procsBlocked'>;

/** The kernel-wide counters of /proc/stat as rates over `seconds`, and its two gauges as they are now. */
export function kernelFigures(before: KernelStat | undefined, now: KernelStat, seconds: number): KernelFigures {
  const gauges = { procsRunning: now.procsRunning, procsBlocked: now.procsBlocked };
  if (!before || !(seconds > 0)) return gauges;
  const rate = (pick: (stat: KernelStat) => number) => perSecond(increase(pick(before), pick(now)), seconds);
  return {
    contextSwitchesPerSecond: rate((stat) => stat.contextSwitches),
    forksPerSecond: rate((stat) => stat.forks),
    interruptsPerSecond: rate((stat) => stat.interrupts),
    ...gauges,
  };
}

/** `monotonicMs` times the interval of the kernel-wide rates (performance.now(): wall-clock steps do not bend them). */
export function createCpuCollector(
  source: Source,
  now: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): Collector<'cpu'> {
  let previous: { at: number; cpus: Map<string, CpuCounters>; stat?: KernelStat } | undefined;

  return {
    topic: 'cpu',
    async collect(): Promise<Reading<'cpu'>> {
      const reading = await source.cpu();
      const ts = now();
      if (reading.kind === 'ratios') return { topic: 'cpu', data: { ts, ...usageFromRatios(reading) }, raw: reading };
      const { stat } = reading;
      const counters: CpuReading = { kind: 'counters', cpus: clampCounters(previous?.cpus ?? new Map(), reading.cpus), stat };
      const at = monotonicMs();
      const base = previous && isRateBase(previous.at, at) ? previous : undefined;
      previous = { at, cpus: new Map(counters.cpus.map((c) => [c.cpu, c])), stat };
      if (!base) return { topic: 'cpu', raw: counters };
      const kernel = stat ? kernelFigures(base.stat, stat, (at - base.at) / 1000) : {};
      return { topic: 'cpu', data: { ts, ...usageFromCounters(base.cpus, counters.cpus), ...kernel }, raw: counters };
    },
  };
}
