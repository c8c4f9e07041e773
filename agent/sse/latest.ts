/**
 * The newest event of each topic, as a new client and GET /api/snapshot get them: the newest sample, and the
 * collector's newest failure when it is newer than that sample (the collector is failing now).
 */
import type { CollectorErrorEvent, Snapshot, Topic, TopicPayload } from '../events';
import type { FeedItem } from '../samples';
import type { RingEntry } from './ring';

export interface LatestEvents {
  /** Notes an event as published, `entry` being its ring entry. */
  record(entry: RingEntry, item: FeedItem): void;
  /** The ring entries of the topics' newest events, oldest first; nothing of these topics is newer. */
  entries(topics: Iterable<Topic>): RingEntry[];
  /** Their payloads, for the snapshot. */
  payloads(topics: readonly Topic[]): Pick<Snapshot, 'latest' | 'failing'>;
}

interface Latest<T> {
  entry: RingEntry;
  data: T;
}

export function createLatestEvents(): LatestEvents {
  const samples = new Map<Topic, Latest<TopicPayload<Topic>>>();
  const failures = new Map<Topic, Latest<CollectorErrorEvent>>();

  const currentFailure = (topic: Topic) => {
    const failure = failures.get(topic);
    return failure && failure.entry.seq > (samples.get(topic)?.entry.seq ?? 0) ? failure : undefined;
  };

  const present = <T>(pairs: [Topic, T | undefined][]) => Object.fromEntries(pairs.filter(([, value]) => value !== undefined));

  return {
    record(entry, item) {
      if (item.topic === 'collector-error') failures.set(entry.topic, { entry, data: item.data });
      else samples.set(entry.topic, { entry, data: item.data });
    },
    entries: (topics) =>
      [...topics]
        .flatMap((topic) => [samples.get(topic)?.entry, currentFailure(topic)?.entry])
        .filter((entry): entry is RingEntry => entry !== undefined)
        .sort((a, b) => a.seq - b.seq),
    payloads: (topics) => ({
      // `samples` holds each topic's own payload under that topic, which the Map's type cannot say.
      latest: present(topics.map((topic) => [topic, samples.get(topic)?.data])) as Snapshot['latest'],
      failing: present(topics.map((topic) => [topic, currentFailure(topic)?.data])),
    }),
  };
}
