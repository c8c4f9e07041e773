/**
 * HTTP Basic users checked against their bcrypt hashes, as exporter-toolkit does: verdicts cached under a SHA-256 of
 * user and password, so a client sending the same credentials again costs a hash lookup, not a bcrypt run; an unknown
 * user is compared against a real hash all the same, so the time taken does not tell which users exist.
 */
import { createHash } from 'node:crypto';
import type { BcryptChecker } from './bcrypt-worker';
import { BoundedLru } from './lru';

export type Verdict = 'ok' | 'denied' | 'busy';

export interface BasicVerifierOptions {
  /** Beyond this many comparisons waiting for the worker, new ones are refused as 'busy'. */
  maxPending: number;
  /** Verdicts remembered, of each kind. */
  cacheSize: number;
}

export interface BasicVerifier {
  verify(user: string, password: string): Promise<Verdict>;
  /** bcrypt comparisons run so far: what the caches and the joining of identical checks save shows here. */
  readonly comparisons: number;
}

export function createBasicVerifier(users: Record<string, string>, checker: BcryptChecker, { maxPending, cacheSize }: BasicVerifierOptions): BasicVerifier {
  const hashes = new Map(Object.entries(users));
  const standIn = hashes.values().next().value;
  // Apart, so that a flood of wrong passwords cannot push the users' right ones out of the cache.
  const accepted = new BoundedLru<string, true>(cacheSize);
  const refused = new BoundedLru<string, true>(cacheSize);
  const inFlight = new Map<string, Promise<boolean>>();
  let comparisons = 0;

  const check = async (user: string, password: string): Promise<boolean> => {
    const hash = hashes.get(user);
    comparisons += 1;
    const match = await checker.compare(password, hash ?? standIn!);
    return hash !== undefined && match;
  };

  return {
    async verify(user, password) {
      if (standIn === undefined) return 'denied';
      const key = createHash('sha256').update(`${user}:${password}`).digest('base64');
      if (accepted.get(key)) return 'ok';
      if (refused.get(key)) return 'denied';
      let answer = inFlight.get(key);
      if (!answer) {
        if (checker.pending >= maxPending) return 'busy';
        answer = check(user, password).finally(() => inFlight.delete(key));
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
