/**
 * Authentication of every request that reaches it (agent.ts mounts it after /healthz) when config.auth has a token
 * or Basic users; 401 with one challenge per configured scheme otherwise. Browsers answer Basic's with their
 * prompt and then send the credentials with each request of the page, its fetches and EventSource included.
 * Off, it only warns when the agent listens beyond loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import { Counter } from '../metrics/prom-client';
import type { AgentContext, Endpoint } from '../context';
import { bcryptCost, createBasicVerifier } from './basic';
import { createBcryptChecker } from './bcrypt-worker';
import { clientKey } from './client-key';
import { parseAuthorization } from './credentials';
import { isLoopback } from './exposure';
import { authEnabled } from './schema';
import { sendJson } from '../plain-response';

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

/** The check of each request, on node:http's request and response alone: express's middleware and the lean path share it. */
export interface AuthGate {
  /**
   * Resolves true when the request may go on; false once it has answered the refusal. `clientAddress` (req.ip) is
   * whose share of the bcrypt queue a Basic check takes.
   */
  admit(req: IncomingMessage, res: ServerResponse, clientAddress: string | undefined): Promise<boolean>;
  /** Whether admit() uses the client's address: only HTTP Basic does. */
  readonly usesClientAddress: boolean;
}

export interface AuthEndpoint extends Endpoint {
  /** Undefined when auth is off. */
  gate?: AuthGate;
}

export function authEndpoint({ config, logger, metrics }: AgentContext): AuthEndpoint {
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

  const refuse = (res: ServerResponse, reason: Refusal): false => {
    refusals.inc({ reason });
    if (reason === 'busy') sendJson(res, 429, { error: 'too many sign-ins being checked: retry in a second' }, { 'Retry-After': '1' });
    else sendJson(res, 401, { error: 'authentication required' }, { 'WWW-Authenticate': challenges });
    return false;
  };

  const gate: AuthGate = {
    usesClientAddress: Object.keys(auth.basic).length > 0,
    async admit(req, res, clientAddress) {
      const credentials = parseAuthorization(req.headers.authorization);
      if (!credentials) return refuse(res, 'missing');
      if (credentials.scheme === 'bearer') {
        return (token !== undefined && timingSafeEqual(sha256(credentials.token), token)) || refuse(res, 'invalid');
      }
      try {
        const verdict = await basic.verify(credentials.user, credentials.password, clientKey(clientAddress));
        return verdict === 'ok' || refuse(res, verdict === 'busy' ? 'busy' : 'invalid');
      } catch (err) {
        logger.error({ err }, 'bcrypt check failed');
        return refuse(res, 'busy');
      }
    },
  };

  router.use(async (req, res, next) => {
    if (await gate.admit(req, res, req.ip)) next();
  });

  return { router, gate, close: () => checker.close() };
}
