/**
 * GET /metrics: text format 0.0.4, or OpenMetrics 1.0 when Accept prefers it (Prometheus asks for it first);
 * gzipped when Accept-Encoding allows it.
 */
import { constants, gzipSync } from 'node:zlib';
import { Router } from 'express';
import type { AgentContext, Endpoint } from '../context';
import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, writeOpenMetrics, writeText } from './exposition';
import { cachedRegistryReader, createAgentRegistry, createProcessRegistry } from './registry';
import { scrape } from './scrape';

/**
 * Half the CPU of the default level for a body about 10% larger (a scrape is ~25 kB of text, ~5 kB gzipped). In
 * line: a fraction of a millisecond, less than the thread pool's round trip, which the bench showed in the median.
 */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

// With their versions: Prometheus' Accept names them, and a media type with parameters only matches one that has them.
const TEXT = 'text/plain;version=0.0.4';
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';

export function metricsEndpoint(context: AgentContext): Endpoint {
  const registry = context.metrics ?? createAgentRegistry();
  const processFamilies = cachedRegistryReader(createProcessRegistry(), context.logger);
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    try {
      // Anything else (none, */*, an unknown type) gets the text format, as node_exporter does.
      const openMetrics = req.accepts([TEXT, OPENMETRICS]) === OPENMETRICS;
      const families = await scrape(context, registry, processFamilies);
      const body = openMetrics ? writeOpenMetrics(families) : writeText(families);
      res.setHeader('Content-Type', openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE);
      res.setHeader('Vary', 'Accept, Accept-Encoding');
      if (req.acceptsEncodings('gzip') === 'gzip') {
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
