import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Endpoint } from './context';
import type { Logger } from './logger';
import { sendJson } from './plain-response';

/** The answer to a request whose handler failed before answering, in express's error handler and the lean path alike. */
export function answerError(thrown: unknown, req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, logger: Logger): void {
  const err = (thrown ?? {}) as { status?: unknown; statusCode?: unknown; expose?: boolean; message?: unknown; code?: unknown };
  const status = Number(err.status ?? err.statusCode);
  if (status >= 400 && status < 500) {
    sendJson(res, status, { error: err.expose === false ? 'bad request' : String(err.message ?? 'bad request') });
    return;
  }
  // Out of file descriptors (a file of the page could not be opened): the agent is overloaded, not broken.
  if (err.code === 'EMFILE' || err.code === 'ENFILE') {
    sendJson(res, 503, { error: 'overloaded: retry shortly' }, { 'Retry-After': '1' });
    return;
  }
  logger.error({ err: thrown, method: req.method, url: req.originalUrl ?? req.url }, 'request failed');
  sendJson(res, 500, { error: 'internal error' });
}

/**
 * The express app: each endpoint's router in order, then a JSON 404, then errors as JSON without a stack. req.ip is
 * the client's address, found through X-Forwarded-For only as far as the proxies `trustProxy` lists.
 */
export function createApp(endpoints: Endpoint[], logger: Logger, trustProxy: readonly string[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', trustProxy);
  for (const endpoint of endpoints) app.use(endpoint.router);
  app.use((req, res) => {
    res.status(404).json({ error: 'not found', path: req.path });
  });
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) return next(err);
    answerError(err, req, res, logger);
  };
  app.use(onError);
  return app;
}
