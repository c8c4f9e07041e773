/**
 * A Prometheus-like scraper of one target: a scrape every `everyMs` on a fixed schedule from its start (a slot missed
 * while a scrape runs late is skipped, as Prometheus does), over one keep-alive connection. Failures are counted,
 * not thrown: the bench reports them beside the figures.
 */
import { scrapeConnection, timeScrape } from './scrape';

export interface ScrapeCounts {
  scrapes: number;
  failures: number;
  lastError?: string;
}

export interface ScrapeLoop {
  counts(): ScrapeCounts;
  /** Stops scheduling, waits for a scrape under way, closes the connection. */
  stop(): Promise<void>;
}

/** Starts scraping `url` after `phaseMs`, then every `everyMs`. */
export function startScrapeLoop(url: string, everyMs: number, phaseMs = 0): ScrapeLoop {
  const connection = scrapeConnection();
  const counts: ScrapeCounts = { scrapes: 0, failures: 0 };
  const startedAt = Date.now() + phaseMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    const elapsed = Date.now() - startedAt;
    timer = setTimeout(scrape, (Math.floor(elapsed / everyMs) + 1) * everyMs - elapsed);
  };
  const scrape = () => {
    inFlight = timeScrape(url, connection).then(
      () => void (counts.scrapes += 1),
      (err: Error) => {
        counts.failures += 1;
        counts.lastError = err.message;
      },
    );
    void inFlight.then(schedule);
  };
  timer = setTimeout(scrape, phaseMs);
  return {
    counts: () => ({ ...counts }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      connection.destroy();
    },
  };
}
