/**
 * GET /metrics: text format 0.0.4, or OpenMetrics 1.0 when Accept prefers it (Prometheus asks for it first);
 * gzipped when Accept-Encoding allows it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, gzipSync } from 'node:zlib';
import { Router, request as expressRequest, type Request } from 'express';
import type { AgentContext, Endpoint } from '../context';
import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, writeOpenMetrics, writeText } from './exposition';
import { createProcessMetrics } from './process';
import { createAgentRegistry } from './registry';
import { scrape } from './scrape';

/**
 * Half the CPU of the default level for a body about 10% larger (a scrape is ~25 kB of text, ~5 kB gzipped). In
 * line: a fraction of a millisecond, less than the thread pool's round trip, which the bench showed in the median.
 */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

// With their versions: Prometheus' Accept names them, and a media type with parameters only matches one that has them.
const TEXT = 'text/plain;version=0.0.4';
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';

/**
 * `negotiate` of the request's `header`, computed again only when the header differs from the last request's: a
 * Prometheus server sends the same Accept and Accept-Encoding with every scrape.
 */
function negotiatedOnce<R extends IncomingMessage>(header: 'accept' | 'accept-encoding', negotiate: (req: R) => boolean): (req: R) => boolean {
  let last: { value: string | undefined; result: boolean } | undefined;
  return (req) => {
    const value = req.headers[header];
    if (!last || last.value !== value) last = { value, result: negotiate(req) };
    return last.result;
  };
}

/**
 * Express's negotiation (the accepts package) of a request, express's or a plain node:http one (the lean path's):
 * `accepts` and `acceptsEncodings` are the request's own methods on express's, its request prototype's on a plain one.
 * Anything but OpenMetrics (none, *\/*, an unknown type) gets the text format, as node_exporter does.
 */
const prefersOpenMetrics = (req: IncomingMessage, accepts: (this: Request, types: string[]) => string | false = expressRequest.accepts) =>
  accepts.call(req as Request, [TEXT, OPENMETRICS]) === OPENMETRICS;
const acceptsGzip = (req: IncomingMessage, acceptsEncodings: (this: Request, encoding: string) => string | false = expressRequest.acceptsEncodings) =>
  acceptsEncodings.call(req as Request, 'gzip') === 'gzip';

export interface MetricsEndpoint extends Endpoint {
  /** GET /metrics on node:http's request and response (lean-path.ts); rejects when the scrape fails before answering. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function metricsEndpoint(context: AgentContext): MetricsEndpoint {
  const registry = context.metrics ?? createAgentRegistry();
  const processMetrics = createProcessMetrics();
  const processFamilies = () => processMetrics.read();

  const answer = async (res: ServerResponse, openMetrics: boolean, gzip: () => boolean) => {
    const families = await scrape(context, registry, processFamilies);
    const body = openMetrics ? writeOpenMetrics(families) : writeText(families);
    res.setHeader('Content-Type', openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE);
    res.setHeader('Vary', 'Accept, Accept-Encoding');
    if (gzip()) {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(gzipSync(body, GZIP_OPTIONS));
    } else {
      res.end(body);
    }
  };

  const wantsOpenMetrics = negotiatedOnce('accept', (req: Request) => prefersOpenMetrics(req, req.accepts));
  const takesGzip = negotiatedOnce('accept-encoding', (req: Request) => acceptsGzip(req, req.acceptsEncodings));
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    try {
      await answer(res, wantsOpenMetrics(req), () => takesGzip(req));
    } catch (err) {
      next(err);
    }
  });

  const leanOpenMetrics = negotiatedOnce('accept', (req) => prefersOpenMetrics(req));
  const leanGzip = negotiatedOnce('accept-encoding', (req) => acceptsGzip(req));
  return { router, serve: (req, res) => answer(res, leanOpenMetrics(req), () => leanGzip(req)) };
}
