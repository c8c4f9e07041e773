/**
 * The sampling pipeline, driven by demand: a collector reads the host only when somebody asks. A scrape or a
 * snapshot asks once (`read`, `sample`); an /events subscriber asks on the collector's interval for as long as it
 * watches (`live`). Nothing ticks while nobody watches. Every read is bounded by a timeout, one read per collector is
 * in flight at most (concurrent askers share it), and every outcome goes out on one hot stream: samples to publish,
 * and failures as collector-error items.
 */
import {
  Subject,
  catchError,
  defer,
  exhaustMap,
  firstValueFrom,
  ignoreElements,
  map,
  mergeMap,
  of,
  share,
  takeUntil,
  throwError,
  timeout,
  timer,
  type Observable,
} from 'rxjs';
import type { Topic } from './events';
import type { AnyReading, AnySample, CollectorFailure, FeedItem, Reading } from './samples';
import type { Collector } from './collectors/types';

export interface CollectorSchedule {
  collector: Collector;
  intervalMs: number;
  timeoutMs: number;
}

export interface FeedOptions {
  /** A reading at most this old is served again to a scrape instead of reading anew. */
  freshnessMs: number;
  /** How long a topic keeps ticking after its last live subscriber left (a page reload keeps its rates). */
  idleGraceMs: number;
  /** After a baseline, how long until the read that makes it a rate. */
  baselineGapMs?: number;
  /** Wall clock for the ts of collector-error events. */
  now?: () => number;
}

/**
 * Long enough for a rate over the gap to mean something (a quarter of the shortest interval most set), short enough
 * that a new viewer sees its first figures at once.
 */
export const BASELINE_GAP_MS = 250;

/** Health of one collector, as node_exporter's node_scrape_collector_* series. */
export interface CollectorStatus {
  topic: Topic;
  /** Whether the last attempt produced a reading; undefined before the first attempt ends. */
  lastSuccess: boolean | undefined;
  lastDurationSeconds: number;
  errorsTotal: number;
  consecutiveFailures: number;
  lastError?: string;
}

export interface Feed {
  /** Hot: every sample read and every failure, whoever asked for it. Baselines are not on it (no payload). */
  readonly items$: Observable<FeedItem>;
  readonly topics: readonly Topic[];
  readonly intervals: Partial<Record<Topic, number>>;
  /** The newest reading of the topic that succeeded (a baseline or a sample). */
  latest<T extends Topic>(topic: T): Reading<T> | undefined;
  status(): CollectorStatus[];
  /** Resolves once the topic has a reading at most `maxAgeMs` old (default: freshnessMs), or its read failed. */
  read(topic: Topic, maxAgeMs?: number): Promise<void>;
  /** As read, but for a published sample: a baseline is followed by a second read after the baseline gap. */
  sample(topic: Topic, maxAgeMs: number): Promise<void>;
  /** Samples the topic on its interval while subscribed, and for idleGraceMs after; emits nothing itself. */
  live(topic: Topic): Observable<never>;
  /** Ends live ticking; items$ completes. */
  stop(): void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface TopicState {
  schedule: CollectorSchedule;
  status: CollectorStatus;
  latest?: AnyReading;
  /** performance.now() at the end of the last attempt, and of the last one that gave a sample. */
  attemptedAt?: number;
  sampledAt?: number;
  inFlight?: Promise<AnyReading | undefined>;
  live$?: Observable<never>;
}

export function createFeed(schedules: CollectorSchedule[], options: FeedOptions): Feed {
  const { freshnessMs, idleGraceMs, baselineGapMs = BASELINE_GAP_MS, now = Date.now } = options;
  const items$ = new Subject<FeedItem>();
  const stop$ = new Subject<void>();
  let stopped = false;
  const states = new Map<Topic, TopicState>(
    schedules.map((schedule) => {
      const topic = schedule.collector.topic;
      const status: CollectorStatus = { topic, lastSuccess: undefined, lastDurationSeconds: 0, errorsTotal: 0, consecutiveFailures: 0 };
      return [topic, { schedule, status }];
    }),
  );

  const stateOf = (topic: Topic): TopicState => {
    const state = states.get(topic);
    if (!state) throw new Error(`no collector for ${topic}`);
    return state;
  };

  /** One bounded read; its outcome is recorded and published. Resolves to the reading, undefined on failure. */
  const attempt = (state: TopicState): Promise<AnyReading | undefined> => {
    const { schedule: { collector, timeoutMs }, status } = state;
    const started = performance.now();
    const finish = (success: boolean) => {
      state.attemptedAt = performance.now();
      status.lastSuccess = success;
      status.lastDurationSeconds = (state.attemptedAt - started) / 1000;
    };
    const outcome = defer(() => collector.collect()).pipe(
      timeout({ first: timeoutMs, with: () => throwError(() => new Error(`timed out after ${timeoutMs}ms`)) }),
      map((reading) => {
        finish(true);
        status.consecutiveFailures = 0;
        status.lastError = undefined;
        state.latest = reading as AnyReading;
        if (reading.data) {
          state.sampledAt = state.attemptedAt;
          items$.next(reading as AnySample);
        }
        return reading as AnyReading;
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
        items$.next(failure);
        return of(undefined);
      }),
    );
    return firstValueFrom(outcome);
  };

  /** A read now, or the one already in flight: a collector never reads twice at once. */
  const readNow = (state: TopicState): Promise<AnyReading | undefined> =>
    (state.inFlight ??= attempt(state).finally(() => (state.inFlight = undefined)));

  /** A read that publishes a sample: a baseline is read again once the gap makes a rate of it. */
  const sampleNow = (state: TopicState): Observable<unknown> =>
    defer(() => readNow(state)).pipe(
      mergeMap((reading) => (reading && !reading.data ? timer(baselineGapMs).pipe(mergeMap(() => readNow(state))) : of(reading))),
    );

  const youngerThan = (at: number | undefined, maxAgeMs: number) => at !== undefined && performance.now() - at <= maxAgeMs;

  const liveOf = (state: TopicState): Observable<never> =>
    (state.live$ ??= timer(0, state.schedule.intervalMs).pipe(
      // A tick that comes while the previous sample is still in flight is skipped, never queued.
      exhaustMap(() => sampleNow(state)),
      ignoreElements(),
      takeUntil(stop$),
      // Stopping completes the ticking and lets its subscribers go, which would start the grace: a timer that held an
      // embedding process for up to idleGrace after stop().
      share({ resetOnRefCountZero: () => (stopped ? of(true) : timer(idleGraceMs)) }),
    ));

  return {
    items$: items$.asObservable(),
    topics: schedules.map((s) => s.collector.topic),
    intervals: Object.fromEntries(schedules.map((s) => [s.collector.topic, s.intervalMs])),
    latest: <T extends Topic>(topic: T) => states.get(topic)?.latest as Reading<T> | undefined,
    status: () => [...states.values()].map(({ status }) => ({ ...status })),
    // A failure is an answer too: askers within the bound share it rather than each reading a failing host again.
    async read(topic, maxAgeMs = freshnessMs) {
      const state = stateOf(topic);
      if (!youngerThan(state.attemptedAt, maxAgeMs)) await readNow(state);
    },
    async sample(topic, maxAgeMs) {
      const state = stateOf(topic);
      const answered = youngerThan(state.sampledAt, maxAgeMs) || (state.status.lastSuccess === false && youngerThan(state.attemptedAt, maxAgeMs));
      if (!answered) await firstValueFrom(sampleNow(state), { defaultValue: undefined });
    },
    live: (topic) => liveOf(stateOf(topic)),
    stop: () => {
      stopped = true;
      stop$.next();
      items$.complete();
    },
  };
}
