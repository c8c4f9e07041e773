/**
 * Authentication of every request that reaches it (agent.ts mounts it after /healthz) when config.auth has a token
 * or Basic users; 401 with one challenge per configured scheme otherwise. Browsers answer Basic's with their
 * prompt and then send the credentials with each request of the page, its fetches and EventSource included.
 * Off, it only warns when the agent listens beyond loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Response } from 'express';
import { Counter } from '../metrics/prom-client';
import type { AgentContext, Endpoint } from '../context';
import { bcryptCost, createBasicVerifier } from './basic';
import { createBcryptChecker } from './bcrypt-worker';
import { clientKey } from './client-key';
import { parseAuthorization } from './credentials';
import { isLoopback } from './exposure';
import { authEnabled } from './schema';

const REALM = 'hostfeed';
/** Verdicts kept of each kind (accepted, refused): far more than the users and clients of one agent. */
const CACHE_SIZE = 1024;
/**
 * bcrypt comparisons one client may have unanswered: beyond, its new credentials wait for a 429's Retry-After. A
 * scraper or a page sends the same credentials, joined into one check: 4 leaves room for a few users per address.
 */
const MAX_PENDING_PER_CLIENT = 4;

type Refusal = 'missing' | 'invalid' | 'busy';
const REFUSALS: Refusal[] = ['missing', 'invalid', 'busy'];

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function authEndpoint({ config, logger, metrics }: AgentContext): Endpoint {
  const router = Router();
  const { auth, host } = config;
  if (!authEnabled(auth)) {
    if (!isLoopback(host)) {
      logger.warn({ host }, `listening on ${host} without auth: whoever reaches this port reads this host's figures; see docs/deploy.md`);
    }
    return { router };
  }

  const checker = createBcryptChecker();
  const basic = createBasicVerifier(auth.basic, checker, { maxPendingPerClient: MAX_PENDING_PER_CLIENT, cacheSize: CACHE_SIZE });
  const costs = [...new Set(Object.values(auth.basic).map(bcryptCost))].sort((a, b) => a - b);
  if (costs.length > 1) {
    logger.warn({ costs }, 'auth.basic: hashes of different bcrypt costs: a wrong password takes longer for some users than for others, which tells them apart; hash every password at one cost');
  }
  // Digests of equal length, so that timingSafeEqual compares them in constant time whatever the client sent.
  const token = auth.token === undefined ? undefined : sha256(auth.token);
  const challenges = [
    ...(Object.keys(auth.basic).length > 0 ? [`Basic realm="${REALM}", charset="UTF-8"`] : []),
    ...(token ? [`Bearer realm="${REALM}"`] : []),
  ];

  const registers = metrics ? [metrics] : [];
  const refusals = new Counter({
    name: 'hostfeed_auth_refused_total',
    help: 'hostfeed: Requests refused by auth; reason: "missing" or "invalid" credentials (401), "busy" (429, too many bcrypt checks queued for the client).',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of REFUSALS) refusals.inc({ reason }, 0);
  new Counter({
    name: 'hostfeed_auth_bcrypt_comparisons_total',
    help: 'hostfeed: bcrypt comparisons run for HTTP Basic credentials (the cache answers the rest).',
    registers,
    collect() {
      this.reset();
      this.inc(basic.comparisons);
    },
  });

  const refuse = (res: Response, reason: Refusal) => {
    refusals.inc({ reason });
    if (reason === 'busy') {
      res.status(429).set('Retry-After', '1').json({ error: 'too many sign-ins being checked: retry in a second' });
      return;
    }
    res.status(401).set('WWW-Authenticate', challenges).json({ error: 'authentication required' });
  };

  router.use(async (req, res, next) => {
    const credentials = parseAuthorization(req.get('Authorization'));
    if (!credentials) return refuse(res, 'missing');
    if (credentials.scheme === 'bearer') {
      return token && timingSafeEqual(sha256(credentials.token), token) ? next() : refuse(res, 'invalid');
    }
    try {
      const verdict = await basic.verify(credentials.user, credentials.password, clientKey(req.ip));
      return verdict === 'ok' ? next() : refuse(res, verdict === 'busy' ? 'busy' : 'invalid');
    } catch (err) {
      logger.error({ err }, 'bcrypt check failed');
      return refuse(res, 'busy');
    }
  });

  return { router, close: () => checker.close() };
}
