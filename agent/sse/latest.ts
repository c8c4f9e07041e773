/**
 * The newest event of each topic, as a new client and GET /api/snapshot get them: the newest sample, and the
 * collector's newest failure when it is newer than that sample (the collector is failing now). Of the alert topic,
 * the newest event of each alert that is pending or firing.
 */
import type { AlertItem } from '../alerts/engine';
import type { CollectorErrorEvent, Snapshot, StreamTopic, Topic, TopicPayload } from '../events';
import type { FeedItem } from '../samples';
import type { RingEntry } from './ring';

export interface LatestEvents {
  /** Notes an event as published, `entry` being its ring entry. */
  record(entry: RingEntry, item: FeedItem | AlertItem): void;
  /** The ring entries of the topics' newest events, oldest first; nothing of these topics is newer. */
  entries(topics: Iterable<StreamTopic>): RingEntry[];
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
  /** By the alert's labels (alertname and severity among them); resolved and inactive ones leave. */
  const alerts = new Map<string, RingEntry>();

  const currentFailure = (topic: Topic) => {
    const failure = failures.get(topic);
    return failure && failure.entry.seq > (samples.get(topic)?.entry.seq ?? 0) ? failure : undefined;
  };

  const present = <T>(pairs: [Topic, T | undefined][]) => Object.fromEntries(pairs.filter(([, value]) => value !== undefined));

  return {
    record(entry, item) {
      if (item.topic === 'alert') {
        const key = JSON.stringify(item.data.labels);
        if (item.data.state === 'pending' || item.data.state === 'firing') alerts.set(key, entry);
        else alerts.delete(key);
      } else if (item.topic === 'collector-error') failures.set(item.data.collector, { entry, data: item.data });
      else samples.set(item.topic, { entry, data: item.data });
    },
    entries: (topics) =>
      [...topics]
        .flatMap((topic) => (topic === 'alert' ? [...alerts.values()] : [samples.get(topic)?.entry, currentFailure(topic)?.entry]))
        .filter((entry): entry is RingEntry => entry !== undefined)
        .sort((a, b) => a.seq - b.seq),
    payloads: (topics) => ({
      // `samples` holds each topic's own payload under that topic, which the Map's type cannot say.
      latest: present(topics.map((topic) => [topic, samples.get(topic)?.data])) as Snapshot['latest'],
      failing: present(topics.map((topic) => [topic, currentFailure(topic)?.data])),
    }),
  };
}
