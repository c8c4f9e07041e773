/** node_exporter's loadavg collector families. */
import type { LoadReading } from '../sources/types';
import { single, type Family } from './family';

export function loadFamilies({ load1, load5, load15 }: LoadReading): Family[] {
  return [
    single('node_load1', '1m load average.', 'gauge', load1),
    single('node_load5', '5m load average.', 'gauge', load5),
    single('node_load15', '15m load average.', 'gauge', load15),
  ];
}
