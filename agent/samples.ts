/**
 * What flows from the collectors to the sinks: each sample carries the event payload the feed publishes and the
 * raw reading it came from, so that /metrics can export the kernel's absolute counters.
 */
import type { Topic, TopicPayload, CollectorErrorEvent } from './events';
import type { CpuReading, DiskStatsReading, LoadReading, MemInfo, MountReading } from './sources/types';

export interface RawReadings {
  cpu: CpuReading;
  memory: MemInfo;
  disk: { mounts: MountReading[]; devices: DiskStatsReading[] | null };
  load: LoadReading;
}

export interface Sample<T extends Topic = Topic> {
  topic: T;
  /** The SSE payload (its `ts` is the sample time). */
  data: TopicPayload<T>;
  raw: RawReadings[T];
}

export type AnySample = { [T in Topic]: Sample<T> }[Topic];

export interface CollectorFailure {
  topic: 'collector-error';
  data: CollectorErrorEvent;
}

/** One item of the feed's shared stream. */
export type FeedItem = AnySample | CollectorFailure;
