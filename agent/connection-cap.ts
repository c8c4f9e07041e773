/**
 * server.maxConnections, so that a flood of connections cannot take the process to its open-file limit: beyond it
 * Node closes each new connection before reading a byte (the client sees a reset; no HTTP answer is possible then).
 * /events refuses at sse.maxClients, below this cap (see config.ts), so streams alone never reach it and a scrape
 * or probe still gets in. Each drop is counted and logged (rate-limited).
 */
import type { Server } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger';
import { throttledWarning } from './throttled-log';

/** A flood of drops logs one line this often. */
const DROP_LOG_MS = 10_000;

export function capConnections(server: Server, maxConnections: number, logger: Logger, registry: Registry | undefined): void {
  server.maxConnections = maxConnections;
  const dropped = new Counter({
    name: 'hostfeed_http_connections_dropped_total',
    help: 'hostfeed: Connections closed unanswered on arrival because server.maxConnections were open.',
    registers: registry ? [registry] : [],
  });
  const warn = throttledWarning(logger, 'connection dropped: server.maxConnections reached', DROP_LOG_MS);
  server.on('drop', (data) => {
    dropped.inc();
    warn({ maxConnections, address: data?.remoteAddress });
  });
}
