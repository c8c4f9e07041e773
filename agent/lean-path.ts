/**
 * GET and HEAD of /metrics and /healthz answered on node:http ahead of express: scrapes and probes are most of what
 * an agent is asked, and express's routing, middleware and response wrappers add to each (and its first request
 * compiles them, on the way to the first healthy probe). The answers are the ones express gives: the security headers
 * of http-hardening.ts, the same auth gate for /metrics (its counters, cache and queue; /healthz answers without, as
 * there), the same handlers and error answer. Whatever it is not sure to answer the same (another path or spelling of
 * it, another method, a query string that does not decode, a Basic check behind trusted proxies, whose client address
 * express finds in X-Forwarded-For) goes to express unchanged.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AuthGate } from './auth/endpoint';
import { SECURITY_HEADERS, decodableQuery } from './http-hardening';
import type { Logger } from './logger';
import { answerError } from './server';

export interface LeanRoute {
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface LeanRoutes {
  /** Behind the auth gate. */
  metrics: LeanRoute;
  /** Open to probes, as in express. */
  health: LeanRoute;
}

export interface LeanPathOptions {
  /** Undefined when auth is off. */
  gate: AuthGate | undefined;
  /** config.trustProxy: with proxies to trust, a client's address is express's to find. */
  trustProxy: readonly string[];
  logger: Logger;
}

/** The path of `url` when it is one of the lean routes', its query string (if any) decodable; else undefined. */
function leanPathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (path !== '/metrics' && path !== '/healthz') return undefined;
  return query < 0 || decodableQuery(url) ? path : undefined;
}

export function leanPath(app: RequestListener, { metrics, health }: LeanRoutes, { gate, trustProxy, logger }: LeanPathOptions): RequestListener {
  // No proxy is trusted, or the gate does not ask: the client is the socket's peer, as express's req.ip says then.
  const metricsGate = gate?.usesClientAddress && trustProxy.length > 0 ? undefined : gate;
  const serve = async (route: LeanRoute, gated: boolean, req: IncomingMessage, res: ServerResponse) => {
    for (const name in SECURITY_HEADERS) res.setHeader(name, SECURITY_HEADERS[name]!);
    try {
      if (gated && metricsGate && !(await metricsGate.admit(req, res, req.socket.remoteAddress))) return;
      await route.serve(req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else answerError(err, req, res, logger);
    }
  };
  const metricsLean = metricsGate !== undefined || gate === undefined;
  return (req, res) => {
    const path = req.method === 'GET' || req.method === 'HEAD' ? leanPathOf(req.url) : undefined;
    if (path === '/healthz') void serve(health, false, req, res);
    else if (path === '/metrics' && metricsLean) void serve(metrics, true, req, res);
    else app(req, res);
  };
}
