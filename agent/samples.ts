/**
 * What flows from the collectors to the sinks: each sample carries the event payload the feed publishes and the
 * raw reading it came from, so that /metrics can export the kernel's absolute counters.
 */
import type { Topic, TopicPayload, CollectorErrorEvent } from './events';
import type { CpuReading, DiskStatsReading, LoadReading, MemInfo, MountReading, NetworkReading, PressureReading } from './sources/types';

export interface RawReadings {
  cpu: CpuReading;
  memory: MemInfo;
  disk: { mounts: MountReading[]; devices: DiskStatsReading[] | null };
  load: LoadReading;
  network: NetworkReading;
  pressure: PressureReading;
}

/**
 * One read of a collector: the raw reading, which is all /metrics needs, and the SSE payload derived from it. A rate
 * needs two readings, so a rate collector's first read (or one after a long pause) is a baseline, without payload.
 */
export interface Reading<T extends Topic = Topic> {
  topic: T;
  /** The SSE payload (its `ts` is the sample time); absent from a baseline. */
  data?: TopicPayload<T>;
  raw: RawReadings[T];
}

/** A reading with its payload: what the feed publishes. */
export interface Sample<T extends Topic = Topic> extends Reading<T> {
  data: TopicPayload<T>;
}

export type AnyReading = { [T in Topic]: Reading<T> }[Topic];
export type AnySample = { [T in Topic]: Sample<T> }[Topic];

export interface CollectorFailure {
  topic: 'collector-error';
  data: CollectorErrorEvent;
}

/** One item of the feed's shared stream. */
export type FeedItem = AnySample | CollectorFailure;
