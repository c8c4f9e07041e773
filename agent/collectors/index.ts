/** The collector registry: adding a collector is one file and one line here. */
import { enabledTopics, type Config } from '../config';
import type { Topic } from '../events';
import type { Source } from '../sources/types';
import type { Collector } from './types';
import { createCpuCollector } from './cpu';
import { createDiskCollector } from './disk';
import { createLoadCollector } from './load';
import { createMemoryCollector } from './memory';
import { createNetworkCollector } from './network';
import { createPressureCollector } from './pressure';

const factories: { [T in Topic]: (source: Source, config: Config) => Collector<T> } = {
  cpu: (source) => createCpuCollector(source),
  memory: (source) => createMemoryCollector(source),
  load: (source) => createLoadCollector(source),
  disk: (source, config) => createDiskCollector(source, config.collectors.disk),
  network: (source, config) => createNetworkCollector(source, config.collectors.network),
  pressure: (source) => createPressureCollector(source),
};

export function createCollectors(source: Source, config: Config): Collector[] {
  return enabledTopics(config).map((topic) => factories[topic](source, config));
}
