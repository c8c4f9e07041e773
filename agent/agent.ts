/** Composition: config -> source -> collectors -> feed -> endpoints -> HTTP server, and the way back on stop. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectorTimeout, type Config } from './config';
import type { AgentContext, Endpoint } from './context';
import { createCollectors } from './collectors';
import { createFeed, type Feed } from './feed';
import { healthEndpoint } from './health';
import type { Logger } from './logger';
import { createApp } from './server';
import { createSource } from './sources';
import type { Source } from './sources/types';
import { version } from '../package.json';

export interface RunningAgent {
  /** Base URL, e.g. http://127.0.0.1:9780 */
  url: string;
  port: number;
  server: Server;
  feed: Feed;
  context: AgentContext;
  /** Stops sampling, ends open responses and closes the server. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** A source to use instead of the one the config picks (tests). */
  source?: Source;
}

/** How long open connections get to finish after stop before they are cut. */
const CLOSE_GRACE_MS = 2000;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startAgent(config: Config, { logger, source = createSource(config) }: StartOptions): Promise<RunningAgent> {
  const inventory = await source.inventory();
  const feed = createFeed(
    createCollectors(source, config).map((collector) => ({
      collector,
      intervalMs: config.collectors[collector.topic].interval,
      timeoutMs: collectorTimeout(config.collectors[collector.topic]),
    })),
  );
  const context: AgentContext = {
    config,
    feed,
    source: source.name,
    inventory,
    version,
    boot: randomBytes(3).toString('hex'),
    logger,
  };
  const endpoints: Endpoint[] = [healthEndpoint(context)];
  const server = createServer(createApp(endpoints, logger));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    feed.stop();
    throw err;
  }
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      feed.stop();
      for (const endpoint of endpoints) endpoint.close?.();
      const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.closeIdleConnections();
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
    }));

  return { url: `http://${urlHost(config.host)}:${port}`, port, server, feed, context, stop };
}
