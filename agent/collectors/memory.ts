import type { MemoryEvent } from '../events';
import type { MemInfo, Source } from '../sources/types';
import type { Collector } from './types';
import { ratio } from './deltas';

/** The feed's view of /proc/meminfo: used = total - available, as free(1) and the Node Exporter Full dashboard. */
export function memoryEvent(meminfo: MemInfo, ts: number): MemoryEvent {
  const field = (name: string): number => meminfo[name] ?? 0;
  const totalBytes = field('MemTotal');
  const freeBytes = field('MemFree');
  const buffersBytes = field('Buffers');
  const cachedBytes = field('Cached');
  // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the estimate free(1) used then.
  const availableBytes = Math.min(totalBytes, meminfo.MemAvailable ?? freeBytes + buffersBytes + cachedBytes);
  const usedBytes = totalBytes - availableBytes;
  const swapTotalBytes = field('SwapTotal');
  const swapFreeBytes = Math.min(swapTotalBytes, field('SwapFree'));
  return {
    ts,
    totalBytes,
    availableBytes,
    usedBytes,
    usedRatio: ratio(usedBytes, totalBytes),
    freeBytes,
    buffersBytes,
    cachedBytes,
    swapTotalBytes,
    swapFreeBytes,
    swapUsedBytes: swapTotalBytes - swapFreeBytes,
  };
}

export function createMemoryCollector(source: Source, now: () => number = Date.now): Collector<'memory'> {
  return {
    topic: 'memory',
    async collect() {
      const raw = await source.memory();
      return { topic: 'memory', data: memoryEvent(raw, now()), raw };
    },
  };
}
