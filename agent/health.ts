import { Router } from 'express';
import type { AgentContext, Endpoint } from './context';

/** GET /healthz: 200 once every enabled collector has produced a sample, 503 naming the ones still missing. */
export function healthEndpoint({ feed }: AgentContext): Endpoint {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const missing = feed.topics.filter((topic) => !feed.latest(topic));
    res.status(missing.length ? 503 : 200).json({ status: missing.length ? 'starting' : 'ok', missing });
  });
  return { router };
}
