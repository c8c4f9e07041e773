/**
 * The sampling pipeline: each collector on its own rxjs interval, one sample in flight at most, each bounded by a
 * timeout; failures become collector-error items and the collector tries again on its next tick. All sinks share
 * one hot stream, and the latest sample of each topic is kept for new subscribers, /metrics and /api/snapshot.
 */
import { performance } from 'node:perf_hooks';
import { Subject, catchError, connectable, defer, exhaustMap, map, merge, of, takeUntil, timeout, timer, throwError, type Observable } from 'rxjs';
import type { Topic } from './events';
import type { AnySample, CollectorFailure, FeedItem, Sample } from './samples';
import type { Collector } from './collectors/types';

export interface CollectorSchedule {
  collector: Collector;
  intervalMs: number;
  timeoutMs: number;
}

/** Health of one collector, as node_exporter's node_scrape_collector_* series. */
export interface CollectorStatus {
  topic: Topic;
  /** Whether the last attempt produced a sample; undefined before the first attempt ends. */
  lastSuccess: boolean | undefined;
  lastDurationSeconds: number;
  errorsTotal: number;
  consecutiveFailures: number;
  lastError?: string;
}

export interface Feed {
  /** Hot: subscribers see what is sampled after they subscribe. */
  readonly items$: Observable<FeedItem>;
  readonly topics: readonly Topic[];
  readonly intervals: Partial<Record<Topic, number>>;
  latest<T extends Topic>(topic: T): Sample<T> | undefined;
  status(): CollectorStatus[];
  stop(): void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createFeed(schedules: CollectorSchedule[], now: () => number = Date.now): Feed {
  const latest = new Map<Topic, AnySample>();
  const statuses = new Map<Topic, CollectorStatus>(
    schedules.map(({ collector }) => [
      collector.topic,
      { topic: collector.topic, lastSuccess: undefined, lastDurationSeconds: 0, errorsTotal: 0, consecutiveFailures: 0 },
    ]),
  );

  const attempt = ({ collector, timeoutMs }: CollectorSchedule): Observable<FeedItem> => {
    const status = statuses.get(collector.topic)!;
    const started = performance.now();
    const finish = (success: boolean) => {
      status.lastSuccess = success;
      status.lastDurationSeconds = (performance.now() - started) / 1000;
    };
    return defer(() => collector.collect()).pipe(
      timeout({ first: timeoutMs, with: () => throwError(() => new Error(`timed out after ${timeoutMs}ms`)) }),
      map((sample): FeedItem => {
        finish(true);
        status.consecutiveFailures = 0;
        status.lastError = undefined;
        latest.set(sample.topic, sample as AnySample);
        return sample as AnySample;
      }),
      catchError((err: unknown) => {
        finish(false);
        status.errorsTotal += 1;
        status.consecutiveFailures += 1;
        status.lastError = `couldn't collect ${collector.topic}: ${messageOf(err)}`;
        const failure: CollectorFailure = {
          topic: 'collector-error',
          data: { ts: now(), collector: collector.topic, message: status.lastError, consecutive: status.consecutiveFailures },
        };
        return of<FeedItem>(failure);
      }),
    );
  };

  // exhaustMap: a tick that comes while the previous sample is still in flight is skipped, never queued.
  const perCollector = schedules.map((schedule) => timer(0, schedule.intervalMs).pipe(exhaustMap(() => attempt(schedule))));
  const stop$ = new Subject<void>();
  const items = connectable(merge(...perCollector).pipe(takeUntil(stop$)), {
    connector: () => new Subject<FeedItem>(),
    resetOnDisconnect: false,
  });
  const connection = items.connect();

  return {
    items$: items,
    topics: schedules.map((s) => s.collector.topic),
    intervals: Object.fromEntries(schedules.map((s) => [s.collector.topic, s.intervalMs])),
    latest: <T extends Topic>(topic: T) => latest.get(topic) as Sample<T> | undefined,
    status: () => [...statuses.values()].map((s) => ({ ...s })),
    /** Ends every timer; subscribers see items$ complete. */
    stop: () => {
      stop$.next();
      connection.unsubscribe();
    },
  };
}
