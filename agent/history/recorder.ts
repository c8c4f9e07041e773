/**
 * Keeps the history filled and written: every sample the feed publishes, whoever asked for it, goes into the store;
 * one standing timer (history.sampleInterval) asks each topic for a sample unless one came since the last tick, so
 * that a host nobody watches is still recorded, and a Prometheus scraping at that interval (whose scrapes publish
 * samples) costs no read more. The same tick writes the file once history.writeInterval has passed: no second timer.
 */
import { interval, type Subscription } from 'rxjs';
import type { Feed } from '../feed';
import type { Logger } from '../logger';
import { throttledWarning } from '../throttled-log';
import type { HistoryConfig } from './config';
import { historyParts, loadHistory, writeHistoryFile } from './persist';
import type { HistoryStore, TierSpec } from './store';

/** A failing write (a full disk) is logged at most this often, each line with how many failed since. */
const WRITE_WARNING_PERIOD_MS = 3_600_000;
/** Far more than a read takes and a timer drifts, far less than the interval. */
const TICK_MARGIN_MS = 1000;

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

  // A sample taken since the last tick saves a read (a scrape's, a viewer's); the tick's own sample of an interval ago,
  // taken a few ms after that tick, must not: it counts as stale from this margin before the interval on.
  const maxAgeMs = config.sampleInterval - Math.min(TICK_MARGIN_MS, config.sampleInterval / 2);
  const subscriptions: Subscription[] = [
    feed.items$.subscribe((item) => {
      if (item.topic !== 'collector-error') store.add(item.topic, item.data.ts, item.data);
    }),
    interval(config.sampleInterval).subscribe(() => {
      for (const topic of feed.topics) void feed.sample(topic, maxAgeMs);
      if (!writing && now() - writtenAt >= config.writeInterval) void write();
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
