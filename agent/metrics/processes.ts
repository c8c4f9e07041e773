/**
 * node_exporter's processes collector families: counts over every process and thread, never a series per process
 * (pids come and go: one series each would grow without bound).
 */
import type { ProcessesReading } from '../sources/types';
import { countStates, countThreads } from '../collectors/processes';
import { family, single, type Family } from './family';

/** Counts by state letter, in the letters' order (node_exporter's client sorts series so too). */
function byState(counts: Record<string, number>, label: string): [Record<string, string>, number][] {
  return Object.keys(counts)
    .sort()
    .map((state) => [{ [label]: state }, counts[state]!]);
}

export function processesFamilies({ processes, threadStates, pidMax, threadsMax }: ProcessesReading): Family[] {
  return [
    single('node_processes_max_processes', 'Number of max PIDs limit', 'gauge', pidMax),
    single('node_processes_max_threads', 'Limit of threads in the system', 'gauge', threadsMax),
    single('node_processes_pids', 'Number of PIDs', 'gauge', processes.length),
    family('node_processes_state', 'Number of processes in each state.', 'gauge', byState(countStates(processes), 'state')),
    single('node_processes_threads', 'Allocated threads in system', 'gauge', countThreads(processes)),
    family('node_processes_threads_state', 'Number of threads in each state.', 'gauge', byState(threadStates, 'thread_state')),
  ];
}
