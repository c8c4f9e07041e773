/** Composition: config -> source -> collectors -> feed -> endpoints -> HTTP server, and the way back on stop. */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createAlerts } from './alerts';
import { alertsEndpoint } from './alerts/endpoint';
import { collectorTimeout, type Config } from './config';
import { authEndpoint } from './auth/endpoint';
import type { AgentContext, Endpoint } from './context';
import { createCollectors } from './collectors';
import { capConnections } from './connection-cap';
import { createFeed, type Feed } from './feed';
import { healthEndpoint } from './health';
import { leanPath } from './lean-path';
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
import { historyEndpoint } from './history/endpoint';
import { historyPath } from './history/persist';
import { startRecorder, type HistoryRecorder } from './history/recorder';
import { viewerEndpoint } from './viewer';
import { version } from '../package.json';

export interface RunningAgent {
  /** Base URL, e.g. http://127.0.0.1:9780 (https with config.tls) */
  url: string;
  port: number;
  server: AgentServer;
  feed: Feed;
  context: AgentContext;
  /** The history, unless history.enabled is false. */
  history?: HistoryRecorder;
  /** Stops sampling, ends open responses, closes the server and writes the history file. */
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
    { freshnessMs: config.sampling.freshness, idleGraceMs: config.sampling.idleGrace },
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
    // Before the hub: it evaluates each sample as it comes, so the alerts it changes go out with that sample.
    alerts: createAlerts(config, feed, inventory),
  };
  // Read before the first sample, which it records.
  const history = config.history.enabled
    ? startRecorder({ config: config.history, file: historyPath(config.history.file), feed, host: inventory.hostname, logger })
    : undefined;
  const health = healthEndpoint(context);
  const auth = authEndpoint(context);
  const metrics = metricsEndpoint(context);
  // In order: hardening sees every request; /healthz answers without auth (probes), everything after it needs it;
  // history after events, whose CORS covers /api/*.
  const endpoints: Endpoint[] = [
    hardeningEndpoint(context),
    health,
    auth,
    metrics,
    eventsEndpoint(context),
    ...(history ? [historyEndpoint(context, history)] : []),
    alertsEndpoint(context),
    viewerEndpoint(context),
  ];
  const app = createApp(endpoints, logger, config.trustProxy);
  const listener = leanPath(app, { metrics, health }, { gate: auth.gate, trustProxy: config.trustProxy, logger });
  const server = createAgentServer(listener, tls, config.server, logger);
  capConnections(server, config.server.maxConnections, logger, context.metrics);
  // One teardown for a failed start and for stop: nothing of the agent may outlive either.
  const release = () => {
    feed.stop();
    source.close?.();
    for (const endpoint of endpoints) endpoint.close?.();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    release();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  probeDescriptors(server, logger, context.metrics);
  // One sample of every collector (a rate collector reads twice, the baseline gap apart): /healthz tells at once
  // whether this host can be read, and the first clients get the latest of every topic. Then nothing is read until a
  // scrape or a subscriber asks.
  for (const topic of feed.topics) void feed.sample(topic, 0);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= Promise.all([
      new Promise<void>((resolve) => {
        release();
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.closeIdleConnections();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
      // After release(): the last samples are in, and the timer is gone.
      history?.write(),
    ]).then(() => undefined));

  return { url: `${tls ? 'https' : 'http'}://${urlHost(config.host)}:${port}`, port, server, feed, context, history, stop };
}
