/**
 * What one scrape serves: the host's families from a fresh reading of each collector whose read succeeded, the
 * inventory's, the agent's health and the registry's metrics. As node_exporter, the host is read when scraped (a
 * reading younger than sampling.freshness is shared, see Feed.read); spawns nothing.
 */
import type { Registry } from 'prom-client';
import type { AgentContext } from '../context';
import type { Topic } from '../events';
import type { AnyReading, RawReadings } from '../samples';
import type { Source } from '../sources/types';
import { weakMemo } from '../weak-memo';
import { agentHealthFamilies, servesSeries } from './agent-health';
import { cpuFamilies } from './cpu';
import { diskstatsFamilies } from './diskstats';
import type { Family } from './family';
import { filesystemFamilies, type MountFacts } from './filesystem';
import { loadFamilies } from './load';
import { memoryFamilies } from './memory';
import { networkFamilies } from './network';
import { pressureFamilies } from './pressure';
import { statFamilies } from './stat';
import { readRegistry } from './registry';
import { systemFamilies } from './system';

type SourceName = Source['name'];

const MOUNT_FACTS: Record<SourceName, MountFacts> = {
  procfs: { inodes: true, deviceNumbers: true },
  // si.fsSize() has neither inode counts nor device numbers: its mapping leaves both out.
  systeminformation: { inodes: false, deviceNumbers: false },
};

/** Adding a collector's metrics is one file in this folder and one line here. */
const TOPIC_FAMILIES: { [T in Topic]: (raw: RawReadings[T], source: SourceName) => Family[] } = {
  cpu: (raw) => [...cpuFamilies(raw), ...statFamilies(raw)],
  memory: memoryFamilies,
  load: loadFamilies,
  disk: ({ mounts, devices }, source) => [...filesystemFamilies(mounts, MOUNT_FACTS[source]), ...diskstatsFamilies(devices)],
  network: networkFamilies,
  pressure: pressureFamilies,
};

/**
 * Each reading's families, built once: scrapes that share a reading (several Prometheus servers, a scrape right
 * after a live sample) serve the same objects, whose written lines the exposition keeps.
 */
function familiesFrom(source: SourceName): (reading: AnyReading) => Family[] {
  return weakMemo((reading) => {
    const build = TOPIC_FAMILIES[reading.topic] as (raw: AnyReading['raw'], source: SourceName) => Family[];
    return build(reading.raw, source);
  });
}

const familiesOf: Record<SourceName, (reading: AnyReading) => Family[]> = {
  procfs: familiesFrom('procfs'),
  systeminformation: familiesFrom('systeminformation'),
};

/** `processFamilies` reads prom-client's process metrics (cached, see registry.ts). */
export async function scrape(
  context: AgentContext,
  registry: Registry,
  processFamilies: () => Promise<Family[]>,
  now: () => number = Date.now,
): Promise<Family[]> {
  const { feed, logger, source } = context;
  await Promise.all(feed.topics.map((topic) => feed.read(topic)));
  const statuses = feed.status();
  const host = statuses.filter(servesSeries).flatMap(({ topic }) => {
    const reading = feed.latest(topic) as AnyReading | undefined;
    if (!reading) return [];
    try {
      return familiesOf[source](reading);
    } catch (err) {
      // A reading this code cannot render costs its own topic's series, never the scrape.
      logger.warn({ err, topic }, 'series left out of the scrape: reading not renderable');
      return [];
    }
  });
  const [own, process] = await Promise.all([readRegistry(registry, logger), processFamilies()]);
  return [...host, ...systemFamilies(context.inventory, now() / 1000), ...agentHealthFamilies(statuses), ...own, ...process];
}
