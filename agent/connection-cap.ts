/**
 * server.maxConnections, so that a flood of connections cannot take the process to its open-file limit: beyond it
 * Node closes each new connection before reading a byte (the client sees a reset; no HTTP answer is possible then).
 * /events refuses at sse.maxClients, below this cap (see config.ts), so streams alone never reach it and a scrape
 * or probe still gets in. Each drop is counted and logged (rate-limited). A cap the open-file limit would not let
 * the process reach is said at start.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { Counter, type Registry } from './metrics/prom-client';
import type { Logger } from './logger';
import { throttledWarning } from './throttled-log';

/** A flood of drops logs one line this often. */
const DROP_LOG_MS = 10_000;

/** Descriptors the agent needs beside its connections: stdio, the event loop's, /proc files, the viewer's files. */
const FILES_OF_ITS_OWN = 64;

/** The soft open-file limit in a /proc/<pid>/limits text; undefined when unlimited or not there. */
export function openFileLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(limits);
  return match ? Number(match[1]) : undefined;
}

/** The agent's own limit, read after Node has raised it to the hard limit; undefined where /proc cannot tell. */
function ownOpenFileLimit(): number | undefined {
  try {
    return openFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

export function capConnections(server: Server, maxConnections: number, logger: Logger, registry: Registry | undefined, fileLimit = ownOpenFileLimit()): void {
  server.maxConnections = maxConnections;
  if (fileLimit !== undefined && maxConnections + FILES_OF_ITS_OWN > fileLimit) {
    logger.warn(
      { maxConnections, openFileLimit: fileLimit },
      `server.maxConnections is above the open-file limit less ${FILES_OF_ITS_OWN} for the agent's own files: connections past the limit are reset uncounted and /proc reads fail; raise LimitNOFILE or lower server.maxConnections`,
    );
  }
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
