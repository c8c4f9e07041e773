/**
 * node_exporter's meminfo collector families: one gauge per /proc/meminfo field the kernel (or the systeminformation
 * source) gives, named as node_exporter names them.
 */
import type { MemInfo } from '../sources/types';
import { single, type Family } from './family';

/** The /proc/meminfo fields without a unit: page counts, which node_exporter names without `_bytes`. */
const PAGE_COUNTS = /^HugePages_(Total|Free|Rsvd|Surp)$/;

/** A field name that cannot be part of a metric name (an odd line) is left out rather than break the exposition. */
const METRIC_NAME_PART = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function memoryFamilies(meminfo: MemInfo): Family[] {
  return Object.entries(meminfo)
    .filter(([field]) => METRIC_NAME_PART.test(field))
    .map(([field, value]) => {
      const key = PAGE_COUNTS.test(field) ? field : `${field}_bytes`;
      return single(`node_memory_${key}`, `Memory information field ${key}.`, 'gauge', value);
    });
}
