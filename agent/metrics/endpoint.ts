/**
 * GET /metrics: text format 0.0.4, or OpenMetrics 1.0 when Accept prefers it (Prometheus asks for it first);
 * gzipped when Accept-Encoding allows it.
 */
import { constants, gzipSync } from 'node:zlib';
import { Router, type Request } from 'express';
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
function negotiatedOnce(header: 'accept' | 'accept-encoding', negotiate: (req: Request) => boolean): (req: Request) => boolean {
  let last: { value: string | undefined; result: boolean } | undefined;
  return (req) => {
    const value = req.headers[header];
    if (!last || last.value !== value) last = { value, result: negotiate(req) };
    return last.result;
  };
}

export function metricsEndpoint(context: AgentContext): Endpoint {
  const registry = context.metrics ?? createAgentRegistry();
  const processMetrics = createProcessMetrics();
  const processFamilies = () => processMetrics.read();
  // Anything else (none, */*, an unknown type) gets the text format, as node_exporter does.
  const wantsOpenMetrics = negotiatedOnce('accept', (req) => req.accepts([TEXT, OPENMETRICS]) === OPENMETRICS);
  const takesGzip = negotiatedOnce('accept-encoding', (req) => req.acceptsEncodings('gzip') === 'gzip');
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    try {
      const openMetrics = wantsOpenMetrics(req);
      const families = await scrape(context, registry, processFamilies);
      const body = openMetrics ? writeOpenMetrics(families) : writeText(families);
      res.setHeader('Content-Type', openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE);
      res.setHeader('Vary', 'Accept, Accept-Encoding');
      if (takesGzip(req)) {
        res.setHeader('Content-Encoding', 'gzip');
        res.end(gzipSync(body, GZIP_OPTIONS));
      } else {
        res.end(body);
      }
    } catch (err) {
      next(err);
    }
  });
  return { router };
}
