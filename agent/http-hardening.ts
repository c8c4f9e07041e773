/**
 * What every response gets before any endpoint sees the request: nosniff and a deny-all CSP (the viewer replaces it
 * with the page's own), 405 for methods the agent has no use for, one answer to OPTIONS on every path, 400 for a query
 * string that does not decode.
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { AgentContext, Endpoint } from './context';
import { corsHandler } from './cors';

/** Every resource of the agent is read-only. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** For responses that are not the page: nothing may load from them or frame them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** What every response carries first (the lean path of lean-path.ts sets them too). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': API_CSP, 'Referrer-Policy': 'no-referrer' };

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

const answerOptions = (res: Response) => res.status(204).set('Allow', ALLOWED_METHODS).end();

/**
 * Unknown methods get 405 and OPTIONS 204 on every path, known or not: the answer is the same for all, so it tells
 * nothing of what exists (express would answer OPTIONS 200 on its routes and the 404 handler elsewhere). A CORS
 * preflight, which never carries credentials, gets config.cors's answer, also the same on every path.
 */
function methodGuard(allowCors: RequestHandler | undefined): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (req.method !== 'OPTIONS') {
      res.status(405).set('Allow', ALLOWED_METHODS).json({ error: `method ${req.method} not allowed; this agent answers ${ALLOWED_METHODS}` });
      return;
    }
    const preflight = req.get('Origin') !== undefined && req.get('Access-Control-Request-Method') !== undefined;
    // cors ends every OPTIONS itself (preflightContinue is off); next() would give the plain answer all the same.
    if (preflight && allowCors) allowCors(req, res, () => answerOptions(res));
    else answerOptions(res);
  };
}

/** Whether every name and value of the query percent-decodes to UTF-8 (URLSearchParams would silently keep "%zz"). */
export function decodableQuery(url: string): boolean {
  const start = url.indexOf('?');
  if (start < 0) return true;
  try {
    for (const part of url.slice(start + 1).split(/[&=]/)) decodeURIComponent(part.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

const queryGuard: RequestHandler = (req, res, next) => {
  if (decodableQuery(req.originalUrl)) return next();
  res.status(400).json({ error: 'malformed query string: bad percent-encoding' });
};

export function hardeningEndpoint({ config }: AgentContext): Endpoint {
  return { router: Router().use(securityHeaders, methodGuard(corsHandler(config.cors)), queryGuard) };
}
