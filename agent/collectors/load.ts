import type { Source } from '../sources/types';
import type { Collector } from './types';

export function createLoadCollector(source: Source, now: () => number = Date.now): Collector<'load'> {
  return {
    topic: 'load',
    async collect() {
      const raw = await source.load();
      return { topic: 'load', data: { ts: now(), ...raw }, raw };
    },
  };
}
