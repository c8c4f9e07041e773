/**
 * node_exporter's stat collector families, from the kernel-wide lines of the /proc/stat that the cpu collector reads
 * (node_boot_time_seconds, also of that collector, comes from the inventory: see ./system.ts).
 */
import type { CpuReading } from '../sources/types';
import { single, type Family } from './family';

export function statFamilies(reading: CpuReading): Family[] {
  if (reading.kind !== 'counters' || !reading.stat) return [];
  const { interrupts, contextSwitches, forks, procsRunning, procsBlocked } = reading.stat;
  return [
    single('node_intr_total', 'Total number of interrupts serviced.', 'counter', interrupts),
    single('node_context_switches_total', 'Total number of context switches.', 'counter', contextSwitches),
    single('node_forks_total', 'Total number of forks.', 'counter', forks),
    single('node_procs_running', 'Number of processes in runnable state.', 'gauge', procsRunning),
    single('node_procs_blocked', 'Number of processes blocked waiting for I/O to complete.', 'gauge', procsBlocked),
  ];
}
