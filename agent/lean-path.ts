/**
 * GET and HEAD /metrics answered on node:http ahead of express: a scrape is most of what an agent is asked, and
 * express's routing, middleware and response wrappers cost about a third of its CPU. The answer is the one express
 * gives: the security headers of http-hardening.ts, the same auth gate (its counters, cache and queue), the same
 * handler and error answer. Whatever it is not sure to answer the same (another path or spelling of it, another
 * method, a query string that does not decode, a Basic check behind trusted proxies, whose client address express
 * finds in X-Forwarded-For) goes to express unchanged.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AuthGate } from './auth/endpoint';
import { SECURITY_HEADERS, decodableQuery } from './http-hardening';
import type { Logger } from './logger';
import { answerError } from './server';

export interface LeanRoute {
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface LeanPathOptions {
  /** Undefined when auth is off. */
  gate: AuthGate | undefined;
  /** config.trustProxy: with proxies to trust, a client's address is express's to find. */
  trustProxy: readonly string[];
  logger: Logger;
}

const PATH = '/metrics';

/** Whether `url` is /metrics, with or without a query string that decodes. */
function isMetrics(url: string | undefined): boolean {
  if (url === PATH) return true;
  return url !== undefined && url.startsWith(`${PATH}?`) && decodableQuery(url);
}

export function leanPath(app: RequestListener, metrics: LeanRoute, { gate, trustProxy, logger }: LeanPathOptions): RequestListener {
  if (gate?.usesClientAddress && trustProxy.length > 0) return app;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    for (const name in SECURITY_HEADERS) res.setHeader(name, SECURITY_HEADERS[name]!);
    try {
      // No proxy is trusted: the client is the socket's peer, as express's req.ip says then.
      if (gate && !(await gate.admit(req, res, req.socket.remoteAddress))) return;
      await metrics.serve(req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else answerError(err, req, res, logger);
    }
  };
  return (req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && isMetrics(req.url)) void serve(req, res);
    else app(req, res);
  };
}
