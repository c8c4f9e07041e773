/** config.cors as middleware: the allowlist of origins that may read /events and /api/* from a browser. */
import cors from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from './config';

/** Undefined when no origin is allowed: responses then carry no CORS header at all. */
export function corsHandler({ origins, credentials }: Config['cors']): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({ origin: origins.includes('*') ? '*' : origins, credentials, methods: ['GET', 'HEAD'], maxAge: 600 });
}
