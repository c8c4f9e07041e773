/** node_exporter's cpu collector families, from the kernel's per-CPU counters (procfs only: shares are no counters). */
import { CPU_MODES } from '../events';
import type { CpuReading } from '../sources/types';
import { family, type Family } from './family';

/** Guest time, which the kernel also counts in user and nice. */
const GUEST_MODES = ['user', 'nice'] as const;

export function cpuFamilies(reading: CpuReading): Family[] {
  if (reading.kind !== 'counters') return [];
  const { cpus } = reading;
  return [
    family(
      'node_cpu_seconds_total',
      'Seconds the CPUs spent in each mode.',
      'counter',
      cpus.flatMap(({ cpu, seconds }) => CPU_MODES.map((mode) => [{ cpu, mode }, seconds[mode]] as const)),
    ),
    family(
      'node_cpu_guest_seconds_total',
      'Seconds the CPUs spent in guests (VMs) for each mode.',
      'counter',
      cpus.flatMap(({ cpu, guestSeconds }) => GUEST_MODES.map((mode) => [{ cpu, mode }, guestSeconds[mode]] as const)),
    ),
  ];
}
