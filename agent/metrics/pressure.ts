/** node_exporter's pressure collector families: the PSI totals in seconds (none at all on kernels without PSI). */
import type { PressureReading } from '../sources/types';
import { single, type Family } from './family';

/** Microseconds to seconds as node_exporter divides them (/ 1000 / 1000), so that the figures are the same doubles. */
function seconds(us: number | undefined): number | undefined {
  return us === undefined ? undefined : us / 1000 / 1000;
}

export function pressureFamilies({ cpu, memory, io, irq }: PressureReading): Family[] {
  return [
    single('node_pressure_cpu_waiting_seconds_total', 'Total time in seconds that processes have waited for CPU time', 'counter', seconds(cpu?.some)),
    single('node_pressure_io_waiting_seconds_total', 'Total time in seconds that processes have waited due to IO congestion', 'counter', seconds(io?.some)),
    single('node_pressure_io_stalled_seconds_total', 'Total time in seconds no process could make progress due to IO congestion', 'counter', seconds(io?.full)),
    single('node_pressure_memory_waiting_seconds_total', 'Total time in seconds that processes have waited for memory', 'counter', seconds(memory?.some)),
    single(
      'node_pressure_memory_stalled_seconds_total',
      'Total time in seconds no process could make progress due to memory congestion',
      'counter',
      seconds(memory?.full),
    ),
    single('node_pressure_irq_stalled_seconds_total', 'Total time in seconds no process could make progress due to IRQ congestion', 'counter', seconds(irq?.full)),
  ];
}
