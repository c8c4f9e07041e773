/** Scrapes as Prometheus does: its Accept and gzip, over one keep-alive connection per target. */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** What Prometheus 2.x sends on every scrape. */
export const PROMETHEUS_HEADERS = {
  accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
};

/** The connection of one target: Prometheus keeps it open between scrapes. */
export const scrapeConnection = () => new Agent({ keepAlive: true, maxSockets: 1 });

/** One scrape, body read to its end; milliseconds. */
export function timeScrape(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { agent, headers: PROMETHEUS_HEADERS }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
