/**
 * GET /events (the SSE feed), GET /api/snapshot (the newest event of each topic as JSON) and GET /api/schema
 * (the JSON Schema of every event, generated from agent/events.ts), with CORS from config.cors.
 */
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config';
import type { AgentContext, Endpoint } from '../context';
import { corsHandler } from '../cors';
import { eventsJsonSchema } from '../events';
import { clientAddress, createStreamAdmission, type Refusal } from './admission';
import { retryFrame } from './frame';
import { createHub, type HubStats } from './hub';
import { resumeRequest } from './ids';
import { registerSseMetrics } from './metrics';
import { parseFeedQuery } from './query';
import { setTransferCoding } from './wire';

export interface EventsEndpoint extends Endpoint {
  /** The hub's counters, for /metrics. */
  stats(): HubStats;
}

/** The raw query string: parsed here rather than by express, whose parser's settings are the app's. */
export function searchOf(req: Request): string {
  const start = req.originalUrl.indexOf('?');
  return start < 0 ? '' : req.originalUrl.slice(start + 1);
}

/** Whether Accept lists text/event-stream (EventSource always sends exactly that); `*\/*` is not enough. */
export function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === 'text/event-stream' && !params.some((param) => /^q=0(\.0{0,3})?$/.test(param));
  });
}

/**
 * no-transform keeps compression middleware and proxies from buffering the stream; X-Accel-Buffering does the
 * same for nginx; headers go out at once so the client sees the stream open before the first event.
 */
function writeStreamHead(req: Request, res: Response): void {
  res.status(200);
  setTransferCoding(req, res);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
}

const LIMIT_REACHED: Record<Refusal, (sse: Config['sse']) => string> = {
  max_clients: (sse) => `at the limit of ${sse.maxClients} SSE clients`,
  per_address: (sse) => `at the limit of ${sse.maxClientsPerAddress} SSE clients from one address`,
};

export function eventsEndpoint({ config, feed, boot, version, source, inventory, logger, metrics }: AgentContext): EventsEndpoint {
  const hub = createHub({
    boot,
    items$: feed.items$,
    live: (topic) => feed.live(topic),
    checkEvents: process.env.NODE_ENV === 'test' || logger.isLevelEnabled('debug'),
    hello: {
      agent: version,
      host: inventory.hostname,
      boot,
      source,
      os: { platform: inventory.platform, distro: inventory.distro, kernel: inventory.uname.release, arch: inventory.uname.machine },
      cpu: { model: inventory.cpuModel, cores: inventory.cpuCores },
      bootTs: Math.round(inventory.bootTimeSeconds * 1000),
      intervals: feed.intervals,
    },
    sse: config.sse,
    logger,
  });
  const admission = createStreamAdmission(config.sse, logger);
  if (metrics) registerSseMetrics(metrics, hub.stats, admission.refused);
  const schema = eventsJsonSchema(feed.topics);
  const router = Router();

  const allowCors = corsHandler(config.cors);
  if (allowCors) router.use(['/events', '/api'], allowCors);

  router.get('/events', (req, res) => {
    const query = parseFeedQuery(searchOf(req), feed.topics, ['topics', 'lastEventId']);
    const resume = resumeRequest(req.get('Last-Event-ID'), query.lastEventId);
    const state = hub.admission();
    if (state === 'closed') {
      // Stopping: EventSource comes back after `retry`, by when the agent may be back; any other status stops it.
      writeStreamHead(req, res);
      res.end(retryFrame(config.sse.retry));
      return;
    }
    const address = clientAddress(req);
    const refusal = admission.refusal(address, state === 'full');
    if (refusal) {
      const { retryMs, body } = hub.refuse(resume);
      if (acceptsEventStream(req.get('Accept'))) {
        writeStreamHead(req, res);
        res.end(body);
      } else {
        res.status(503).set('Retry-After', String(Math.ceil(retryMs / 1000)));
        res.json({ error: `${LIMIT_REACHED[refusal](config.sse)}: retry later` });
      }
      return;
    }
    writeStreamHead(req, res);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    admission.hold(address, res);
    hub.stream(res, query.topics, resume);
  });

  // With nobody watching, the latest events may be old: each topic is read afresh unless its latest sample is younger
  // than its interval (as it always is while it is sampled live).
  router.get('/api/snapshot', async (req, res) => {
    const { topics } = parseFeedQuery(searchOf(req), feed.topics, ['topics']);
    await Promise.all(topics.map((topic) => feed.sample(topic, feed.intervals[topic] ?? 0)));
    res.set('Cache-Control', 'no-store').json(hub.snapshot(topics));
  });

  router.get('/api/schema', (req, res) => {
    parseFeedQuery(searchOf(req), feed.topics, []);
    res.set('Cache-Control', 'no-cache').json(schema);
  });

  return { router, close: () => hub.close(), stats: () => hub.stats() };
}
