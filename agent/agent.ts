/** Composition: config -> source -> collectors -> feed -> endpoints -> HTTP server, and the way back on stop. */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { collectorTimeout, type Config } from './config';
import { authEndpoint } from './auth/endpoint';
import type { AgentContext, Endpoint } from './context';
import { createCollectors } from './collectors';
import { createFeed, type Feed } from './feed';
import { healthEndpoint } from './health';
import { hardeningEndpoint } from './http-hardening';
import { createAgentServer, type AgentServer } from './http-server';
import { probeDescriptors } from './descriptor-probe';
import type { Logger } from './logger';
import { metricsEndpoint } from './metrics/endpoint';
import { createAgentRegistry } from './metrics/registry';
import { createApp } from './server';
import { createSource } from './sources';
import type { Source } from './sources/types';
import { readTlsCredentials } from './tls';
import { eventsEndpoint } from './sse/endpoint';
import { viewerEndpoint } from './viewer';
import { version } from '../package.json';

export interface RunningAgent {
  /** Base URL, e.g. http://127.0.0.1:9780 (https with config.tls) */
  url: string;
  port: number;
  server: AgentServer;
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

export async function startAgent(config: Config, options: StartOptions): Promise<RunningAgent> {
  const { logger } = options;
  const source = options.source ?? (await createSource(config));
  // Unreadable TLS files stop the start before anything runs.
  const tls = config.tls && readTlsCredentials(config.tls);
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
    metrics: createAgentRegistry(),
  };
  // In order: hardening sees every request; /healthz answers without auth (probes), everything after it needs it.
  const endpoints: Endpoint[] = [
    hardeningEndpoint(),
    healthEndpoint(context),
    authEndpoint(context),
    metricsEndpoint(context),
    eventsEndpoint(context),
    viewerEndpoint(context),
  ];
  const server = createAgentServer(createApp(endpoints, logger), tls, logger);
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
  probeDescriptors(server, logger, context.metrics);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      feed.stop();
      source.close?.();
      for (const endpoint of endpoints) endpoint.close?.();
      const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.closeIdleConnections();
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
    }));

  return { url: `${tls ? 'https' : 'http'}://${urlHost(config.host)}:${port}`, port, server, feed, context, stop };
}
