/**
 * The listening server, http or https, with limits of its own rather than Node's process-wide defaults, and what
 * Node would otherwise do badly: drop CONNECT without an answer, and throw an accept error (EMFILE) nobody listens to.
 */
import { createServer as createHttp, type RequestListener, type Server as HttpServer, type ServerOptions } from 'node:http';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger';
import { ALLOWED_METHODS } from './http-hardening';
import type { TlsCredentials } from './tls';

export type AgentServer = HttpServer | HttpsServer;

/** How long a client gets to send its request (config.server's headersTimeout and requestTimeout). */
export interface RequestTimeouts {
  headersTimeout: number;
  requestTimeout: number;
}

function limits({ headersTimeout, requestTimeout }: RequestTimeouts): ServerOptions {
  return {
    // Request line and headers together: larger answers 431. Node's default, fixed here so NODE_OPTIONS cannot raise
    // it; room for a Basic header and the cookies browsers send to localhost from any other local app.
    maxHeaderSize: 16 * 1024,
    headersTimeout,
    requestTimeout,
    // Node enforces both only when it checks its connections, every 30 s by default: a 10 s header timeout then cut a
    // slowloris client after up to 40 s. Checked every headersTimeout, a client is cut within twice its timeout.
    connectionsCheckingInterval: headersTimeout,
  };
}

/** Accept errors are logged at most this often: under EMFILE they come with every connection attempt. */
const ACCEPT_ERROR_LOG_MS = 10_000;

const CONNECT_REFUSAL = (() => {
  const body = JSON.stringify({ error: `method CONNECT not allowed; this agent answers ${ALLOWED_METHODS}` });
  return [
    'HTTP/1.1 405 Method Not Allowed',
    `Allow: ${ALLOWED_METHODS}`,
    'Content-Type: application/json; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
})();

/**
 * How long an idle keep-alive connection is kept. Node's 5 s default closes it between two scrapes, so Prometheus
 * (15 s, 30 s or 60 s apart) opens a new connection, and a TLS handshake, for every scrape.
 */
const KEEP_ALIVE_MS = 75_000;

export function createAgentServer(app: RequestListener, tls: TlsCredentials | undefined, timeouts: RequestTimeouts, logger: Logger): AgentServer {
  const options = limits(timeouts);
  const server: AgentServer = tls ? createHttps({ ...options, ...tls }, app) : createHttp(options, app);
  server.keepAliveTimeout = KEEP_ALIVE_MS;

  // Node hands CONNECT to this event and, without a listener, closes the socket with no answer at all.
  server.on('connect', (_req, socket: Duplex) => {
    socket.on('error', () => undefined);
    socket.end(CONNECT_REFUSAL);
  });

  // Out of descriptors, libuv accepts and closes the connections it cannot keep (clients see a reset) and reports the
  // failure here only when it has no descriptor in reserve (descriptor-probe.ts catches the usual case): without a
  // listener that report would end the process.
  let lastLogged = 0;
  let unlogged = 0;
  server.on('error', (err: NodeJS.ErrnoException) => {
    // Before listening, errors (EADDRINUSE) belong to the start, which reports them.
    if (!server.listening) return;
    unlogged += 1;
    if (Date.now() - lastLogged < ACCEPT_ERROR_LOG_MS) return;
    logger.warn({ code: err.code, syscall: err.syscall, errors: unlogged }, 'cannot accept connections: refusing new clients');
    lastLogged = Date.now();
    unlogged = 0;
  });
  return server;
}
