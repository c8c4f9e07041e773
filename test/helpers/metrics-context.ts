/** An AgentContext for the /metrics code without an agent: a feed that serves given samples and collector statuses. */
import { EMPTY, NEVER } from 'rxjs';
import { parseConfig } from '../../agent/config';
import type { AgentContext } from '../../agent/context';
import type { Topic } from '../../agent/events';
import type { CollectorStatus, Feed } from '../../agent/feed';
import { silentLogger } from '../../agent/logger';
import type { AnySample } from '../../agent/samples';
import type { Source } from '../../agent/sources/types';
import { FAKE_INVENTORY } from './fake-source';

export function statusOf(topic: Topic, lastSuccess: boolean | undefined, errorsTotal = 0): CollectorStatus {
  return { topic, lastSuccess, lastDurationSeconds: 0.002, errorsTotal, consecutiveFailures: lastSuccess === false ? 1 : 0 };
}

export const allSucceeded = (samples: AnySample[]) => samples.map((s) => statusOf(s.topic, true));

/** `read` is the feed's: what a scrape awaits before it renders (make it reject to fail the scrape). */
export function contextOf(
  samples: AnySample[],
  statuses: CollectorStatus[],
  source: Source['name'] = 'procfs',
  read: Feed['read'] = async () => undefined,
): AgentContext {
  const feed: Feed = {
    items$: EMPTY,
    topics: statuses.map((s) => s.topic),
    intervals: {},
    latest: (<T extends Topic>(topic: T) => samples.find((s) => s.topic === topic)) as Feed['latest'],
    status: () => statuses,
    read,
    sample: async () => undefined,
    live: () => NEVER,
    stop: () => undefined,
  };
  return { config: parseConfig({}, 'test'), feed, source, inventory: FAKE_INVENTORY, version: '0.0.0', boot: 'b00t', logger: silentLogger() };
}
