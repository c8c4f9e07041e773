/**
 * Keeps the history filled and written: every sample the feed publishes, whoever asked for it, goes into the store.
 * One timer (history.sampleInterval) reads the topics no sample of which came since it last fired, so that a host
 * nobody watches is still recorded; once every topic has had a sample (a scrape reads them all), its wait starts
 * again, so that a Prometheus scraping at that interval keeps it from ever reading, whatever the phase of its scrapes.
 * The file is written on a sample once history.writeInterval has passed: no timer of its own.
 */
import { interval, startWith, Subject, switchMap, type Subscription } from 'rxjs';
import type { Feed } from '../feed';
import type { Logger } from '../logger';
import { throttledWarning } from '../throttled-log';
import type { HistoryConfig } from './config';
import { historyParts, loadHistory, writeHistoryFile } from './persist';
import type { HistoryStore, TierSpec } from './store';

/** A failing write (a full disk) is logged at most this often, each line with how many failed since. */
const WRITE_WARNING_PERIOD_MS = 3_600_000;

export interface HistoryRecorder {
  store: HistoryStore;
  readonly writeErrors: number;
  /** Writes the file now (once at a time: a write asked for during one waits for it and is then done). */
  write(): Promise<void>;
  /** Ends the timer and the subscription; the file is not written. */
  close(): void;
  /** close(), then the last write. */
  stop(): Promise<void>;
}

export interface RecorderOptions {
  config: HistoryConfig;
  file: string;
  feed: Feed;
  host: string;
  logger: Logger;
  /** Wall clock (ms): restarts and when the file was last written. */
  now?: () => number;
}

export function tierSpecs(config: HistoryConfig): TierSpec[] {
  return config.tiers.map(({ step, keep }) => ({ stepMs: step, keepMs: keep }));
}

export function startRecorder({ config, file, feed, host, logger, now = Date.now }: RecorderOptions): HistoryRecorder {
  const { store, setAside } = loadHistory(file, host, tierSpecs(config), config.maxSeries);
  if (setAside) logger.warn({ file, bad: `${file}.bad` }, `history file set aside, starting with an empty history: ${setAside}`);
  store.addRestart(now());
  const warnWriteFailed = throttledWarning(logger, 'cannot write the history file; the agent goes on, the history stays in memory', WRITE_WARNING_PERIOD_MS);
  let writeErrors = 0;
  let writtenAt = now();
  let writing: Promise<void> | undefined;

  const writeOnce = async () => {
    writtenAt = now();
    try {
      await writeHistoryFile(file, historyParts(store, host));
    } catch (err) {
      writeErrors += 1;
      warnWriteFailed({ file, err: (err as Error).message });
    }
  };
  const write = (): Promise<void> => {
    const next: Promise<void> = (writing ?? Promise.resolve()).then(writeOnce).finally(() => {
      if (writing === next) writing = undefined;
    });
    writing = next;
    return next;
  };

  /** Topics sampled since the timer last fired or started its wait again. */
  const sampled = new Set<string>();
  const restart$ = new Subject<void>();
  const subscriptions: Subscription[] = [
    feed.items$.subscribe((item) => {
      if (item.topic === 'collector-error') return;
      store.add(item.topic, item.data.ts, item.data);
      sampled.add(item.topic);
      if (sampled.size === feed.topics.length) {
        sampled.clear();
        restart$.next();
      }
      if (!writing && now() - writtenAt >= config.writeInterval) void write();
    }),
    restart$
      .pipe(
        startWith(undefined),
        switchMap(() => interval(config.sampleInterval)),
      )
      .subscribe(() => {
        // Read now (a read in flight is shared): a topic sampled since has its sample of this interval.
        for (const topic of feed.topics) if (!sampled.has(topic)) void feed.sample(topic, 0);
        sampled.clear();
      }),
  ];
  const close = () => subscriptions.forEach((s) => s.unsubscribe());
  return {
    store,
    get writeErrors() {
      return writeErrors;
    },
    write,
    close,
    stop: () => {
      close();
      return write();
    },
  };
}
