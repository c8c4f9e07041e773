/**
 * HTTP Basic users checked against their bcrypt hashes, as exporter-toolkit does: verdicts cached under a SHA-256 of
 * user and password, so a client sending the same credentials again costs a hash lookup, not a bcrypt run; an unknown
 * user is compared against a hash of the configured cost all the same, so the time taken does not tell which users
 * exist. Comparisons wait in a queue shared out by client (fair-queue.ts): one client's guesses never hold another's
 * sign-in.
 */
import { createHash } from 'node:crypto';
import type { BcryptChecker } from './bcrypt-worker';
import { createFairQueue } from './fair-queue';
import { BoundedLru } from './lru';

export type Verdict = 'ok' | 'denied' | 'busy';

export interface BasicVerifierOptions {
  /** Beyond this many comparisons unanswered for one client, its new ones are refused as 'busy'. */
  maxPendingPerClient: number;
  /** Verdicts remembered, of each kind. */
  cacheSize: number;
}

export interface BasicVerifier {
  /** `client` (clientKey()) is whose share of the bcrypt queue the comparison takes. */
  verify(user: string, password: string, client: string): Promise<Verdict>;
  /** bcrypt comparisons run so far: what the caches and the joining of identical checks save shows here. */
  readonly comparisons: number;
}

/** The cost of a hash the schema accepted: "$2b$12$..." is 12. */
export const bcryptCost = (hash: string) => Number(hash.slice(4, 6));

/**
 * The hash unknown users are compared against: one of the highest cost configured. Users of different costs cannot
 * all be matched; this way a name that does not exist is never cheaper to try than one that does.
 */
function standInHash(hashes: string[]): string | undefined {
  return hashes.reduce<string | undefined>((dearest, hash) => (dearest === undefined || bcryptCost(hash) > bcryptCost(dearest) ? hash : dearest), undefined);
}

export function createBasicVerifier(users: Record<string, string>, checker: BcryptChecker, { maxPendingPerClient, cacheSize }: BasicVerifierOptions): BasicVerifier {
  const hashes = new Map(Object.entries(users));
  const standIn = standInHash([...hashes.values()]);
  // Apart, so that a flood of wrong passwords cannot push the users' right ones out of the cache.
  const accepted = new BoundedLru<string, true>(cacheSize);
  const refused = new BoundedLru<string, true>(cacheSize);
  const inFlight = new Map<string, Promise<boolean>>();
  let comparisons = 0;
  const queue = createFairQueue(({ password, hash }: { password: string; hash: string }) => {
    comparisons += 1;
    return checker.compare(password, hash);
  }, maxPendingPerClient);

  return {
    async verify(user, password, client) {
      if (standIn === undefined) return 'denied';
      const key = createHash('sha256').update(`${user}:${password}`).digest('base64');
      if (accepted.get(key)) return 'ok';
      if (refused.get(key)) return 'denied';
      let answer = inFlight.get(key);
      if (!answer) {
        const hash = hashes.get(user);
        const match = queue.push(client, { password, hash: hash ?? standIn });
        if (!match) return 'busy';
        answer = match.then((matched) => hash !== undefined && matched).finally(() => inFlight.delete(key));
        inFlight.set(key, answer);
      }
      const match = await answer;
      (match ? accepted : refused).set(key, true);
      return match ? 'ok' : 'denied';
    },
    get comparisons() {
      return comparisons;
    },
  };
}
