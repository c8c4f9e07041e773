import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import type { AgentContext, Endpoint } from './context';
import type { CollectorStatus } from './feed';
import { sendJson } from './plain-response';

interface Health {
  status: 'ok' | 'starting' | 'failing';
  /** Collectors with no successful read yet. */
  missing: string[];
  /** Collectors whose last health.failAfter reads (or more) all failed, with the last error. */
  failing: { collector: string; consecutiveFailures: number; error: string }[];
}

/** What /healthz says of the collectors' statuses: not ready before each has read once, failing once one keeps failing. */
function healthOf(statuses: readonly CollectorStatus[], failAfter: number): Health {
  const failing = statuses
    .filter((s) => s.consecutiveFailures >= failAfter)
    .map((s) => ({ collector: s.topic, consecutiveFailures: s.consecutiveFailures, error: s.lastError ?? '' }));
  const missing = statuses.filter((s) => s.lastSuccess === undefined || (s.lastSuccess === false && s.errorsTotal === s.consecutiveFailures)).map((s) => s.topic);
  const status = failing.length ? 'failing' : missing.length ? 'starting' : 'ok';
  return { status, missing, failing };
}

/**
 * GET /healthz: 200 once every enabled collector has read the host, 503 naming the ones still missing, or the ones
 * that failed health.failAfter reads in a row (200 again when they recover). It answers from how the last reads went
 * (at start, on scrapes, while watched): a probe of a healthy agent reads nothing. A collector whose last read failed
 * is read again in the background (at most once per sampling.freshness), so that an agent nobody scrapes still
 * recovers; the probe does not wait for it, as probes have short timeouts and a hung mount must not hold them.
 */
export interface HealthEndpoint extends Endpoint {
  /** GET /healthz on node:http's request and response (lean-path.ts). */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function healthEndpoint({ feed, config }: AgentContext): HealthEndpoint {
  const answer = (res: ServerResponse) => {
    const statuses = feed.status();
    for (const { topic, lastSuccess } of statuses) if (lastSuccess === false) void feed.read(topic);
    const health = healthOf(statuses, config.health.failAfter);
    sendJson(res, health.status === 'ok' ? 200 : 503, health);
  };
  const router = Router();
  router.get('/healthz', (_req, res) => answer(res));
  return { router, serve: async (_req, res) => answer(res) };
}
