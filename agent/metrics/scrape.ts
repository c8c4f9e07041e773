/**
 * What one scrape serves: the host's families from the latest sample of each collector whose last sample succeeded,
 * the inventory's, the agent's health and the registry's metrics. Reads no /proc and spawns nothing: the host's
 * figures all come from the feed (prom-client's process_* metrics read /proc/self, as they do in any Node service).
 */
import type { Registry } from 'prom-client';
import type { AgentContext } from '../context';
import type { Topic } from '../events';
import type { AnySample, RawReadings } from '../samples';
import type { Source } from '../sources/types';
import { weakMemo } from '../weak-memo';
import { agentHealthFamilies, servesSeries } from './agent-health';
import { cpuFamilies } from './cpu';
import { diskstatsFamilies } from './diskstats';
import type { Family } from './family';
import { filesystemFamilies, type MountFacts } from './filesystem';
import { loadFamilies } from './load';
import { memoryFamilies } from './memory';
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
  cpu: cpuFamilies,
  memory: memoryFamilies,
  load: loadFamilies,
  disk: ({ mounts, devices }, source) => [...filesystemFamilies(mounts, MOUNT_FACTS[source]), ...diskstatsFamilies(devices)],
};

/**
 * Each sample's families, built once: scrapes between two samples of a topic (disk's 5 s, several Prometheus
 * servers) serve the same objects, whose written lines the exposition keeps.
 */
function familiesFrom(source: SourceName): (sample: AnySample) => Family[] {
  return weakMemo((sample) => {
    const build = TOPIC_FAMILIES[sample.topic] as (raw: AnySample['raw'], source: SourceName) => Family[];
    return build(sample.raw, source);
  });
}

const familiesOf: Record<SourceName, (sample: AnySample) => Family[]> = {
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
  const statuses = feed.status();
  const host = statuses.filter(servesSeries).flatMap(({ topic }) => {
    const sample = feed.latest(topic) as AnySample | undefined;
    if (!sample) return [];
    try {
      return familiesOf[source](sample);
    } catch (err) {
      // A reading this code cannot render costs its own topic's series, never the scrape.
      logger.warn({ err, topic }, 'series left out of the scrape: reading not renderable');
      return [];
    }
  });
  const [own, process] = await Promise.all([readRegistry(registry, logger), processFamilies()]);
  return [...host, ...systemFamilies(context.inventory, now() / 1000), ...agentHealthFamilies(statuses), ...own, ...process];
}
