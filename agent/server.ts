import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Endpoint } from './context';
import type { Logger } from './logger';

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
    const status = Number(err?.status ?? err?.statusCode);
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: err.expose === false ? 'bad request' : String(err.message ?? 'bad request') });
      return;
    }
    // Out of file descriptors (a file of the page could not be opened): the agent is overloaded, not broken.
    if (err?.code === 'EMFILE' || err?.code === 'ENFILE') {
      res.status(503).set('Retry-After', '1').json({ error: 'overloaded: retry shortly' });
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}
