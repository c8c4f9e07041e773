import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRounds, hashSync } from 'bcryptjs';
import pino from 'pino';
import { authEndpoint } from '../../agent/auth/endpoint';
import { createBasicVerifier } from '../../agent/auth/basic';
import { createBcryptChecker, type BcryptChecker } from '../../agent/auth/bcrypt-worker';
import { parseAuthorization } from '../../agent/auth/credentials';
import { isLoopback } from '../../agent/auth/exposure';
import { clientKey } from '../../agent/auth/client-key';
import { createFairQueue } from '../../agent/auth/fair-queue';
import { BoundedLru } from '../../agent/auth/lru';
import { ConfigError, loadConfig, parseConfig } from '../../agent/config';
import type { AgentContext } from '../../agent/context';
import { watchWorkers } from '../helpers/workers';

// Cost 4, bcrypt's least: these tests are about the logic around bcrypt, not its cost.
const ALICE_HASH = hashSync('wonderland', 4);
/** Whose share of the bcrypt queue the verifier's checks take. */
const CLIENT = '192.0.2.1';
const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('the Authorization header', () => {
  it.each([
    [basic('alice:wonder:land'), { scheme: 'basic', user: 'alice', password: 'wonder:land' }],
    [basic('élise:pässword'), { scheme: 'basic', user: 'élise', password: 'pässword' }],
    [basic('bob:'), { scheme: 'basic', user: 'bob', password: '' }],
    [`basic ${Buffer.from('a:b').toString('base64')}`, { scheme: 'basic', user: 'a', password: 'b' }],
    ['Bearer abc.DEF-123_~+/==', { scheme: 'bearer', token: 'abc.DEF-123_~+/==' }],
    ['BEARER token', { scheme: 'bearer', token: 'token' }],
  ])('%s reads as %j', (header, expected) => expect(parseAuthorization(header)).toEqual(expected));

  it.each([
    undefined,
    '',
    'Basic',
    'Basic ',
    basic('no-colon'),
    'Basic not*base64',
    'Basic YWxpY2U6d29uZGVybGFuZA', // unpadded
    'Bearer two words',
    'Bearer tok"en',
    'Digest username="alice"',
    'Basic\tYTpi',
  ])('%p is no credentials', (header) => expect(parseAuthorization(header)).toBeUndefined());
});

describe('BoundedLru', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
  });
});

describe('the Basic verifier', () => {
  let checker: BcryptChecker;
  beforeEach(() => (checker = createBcryptChecker()));
  afterEach(() => checker.close());

  it('accepts the right password, refuses others, and runs bcrypt once per distinct credentials', async () => {
    const verifier = createBasicVerifier({ alice: ALICE_HASH }, checker, { maxPendingPerClient: 8, cacheSize: 16 });
    expect(await verifier.verify('alice', 'wonderland', CLIENT)).toBe('ok');
    expect(await verifier.verify('alice', 'looking-glass', CLIENT)).toBe('denied');
    for (let i = 0; i < 20; i += 1) {
      expect(await verifier.verify('alice', 'wonderland', CLIENT)).toBe('ok');
      expect(await verifier.verify('alice', 'looking-glass', CLIENT)).toBe('denied');
    }
    expect(verifier.comparisons).toBe(2);
  });

  it('joins identical checks in flight into one comparison', async () => {
    const verifier = createBasicVerifier({ alice: ALICE_HASH }, checker, { maxPendingPerClient: 8, cacheSize: 16 });
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => verifier.verify('alice', 'wonderland', CLIENT)));
    expect(new Set(verdicts)).toEqual(new Set(['ok']));
    expect(verifier.comparisons).toBe(1);
  });

  it('runs a real comparison for an unknown user too (no timing difference), and refuses it', async () => {
    const verifier = createBasicVerifier({ alice: ALICE_HASH }, checker, { maxPendingPerClient: 8, cacheSize: 16 });
    expect(await verifier.verify('mallory', 'wonderland', CLIENT)).toBe('denied');
    expect(verifier.comparisons).toBe(1);
  });

  it('says busy beyond maxPending distinct checks, and still answers cached ones', async () => {
    const verifier = createBasicVerifier({ alice: ALICE_HASH }, checker, { maxPendingPerClient: 4, cacheSize: 16 });
    expect(await verifier.verify('alice', 'wonderland', CLIENT)).toBe('ok');
    const flood = await Promise.all([...Array.from({ length: 10 }, (_, i) => verifier.verify('alice', `guess-${i}`, CLIENT)), verifier.verify('alice', 'wonderland', CLIENT)]);
    expect(flood.filter((v) => v === 'denied')).toHaveLength(4);
    expect(flood.filter((v) => v === 'busy')).toHaveLength(6);
    expect(flood.at(-1)).toBe('ok');
  });

  it('keeps the accepted verdicts when a flood of wrong passwords overflows the cache', async () => {
    const verifier = createBasicVerifier({ alice: ALICE_HASH }, checker, { maxPendingPerClient: 64, cacheSize: 4 });
    await verifier.verify('alice', 'wonderland', CLIENT);
    await Promise.all(Array.from({ length: 12 }, (_, i) => verifier.verify('alice', `guess-${i}`, CLIENT)));
    const before = verifier.comparisons;
    expect(await verifier.verify('alice', 'wonderland', CLIENT)).toBe('ok');
    expect(verifier.comparisons).toBe(before);
  });

  it('refuses everyone without running bcrypt when no user is configured', async () => {
    const verifier = createBasicVerifier({}, checker, { maxPendingPerClient: 8, cacheSize: 16 });
    expect(await verifier.verify('alice', 'wonderland', CLIENT)).toBe('denied');
    expect(verifier.comparisons).toBe(0);
  });
});

describe('the fair queue of bcrypt checks', () => {
  /** Tasks that end when the test says, one at a time, in the order the queue starts them. */
  function controlledRun() {
    const started: string[] = [];
    const ends: (() => void)[] = [];
    const run = (task: string) => {
      started.push(task);
      return new Promise<string>((resolve) => ends.push(() => resolve(task)));
    };
    const finishNext = async () => {
      ends.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { run, started, finishNext };
  }

  it('runs one task at a time, taking the clients in turn', async () => {
    const { run, started, finishNext } = controlledRun();
    const queue = createFairQueue(run, 8);
    for (const task of ['a1', 'a2', 'a3']) void queue.push('A', task);
    void queue.push('B', 'b1');
    void queue.push('C', 'c1');
    void queue.push('B', 'b2');
    expect(started).toEqual(['a1']);
    for (let i = 0; i < 5; i += 1) await finishNext();
    expect(started).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it("refuses a client's task beyond its own limit of unanswered ones, and still takes another client's", async () => {
    const { run, started, finishNext } = controlledRun();
    const queue = createFairQueue(run, 2);
    const flood = ['a1', 'a2', 'a3', 'a4'].map((task) => queue.push('A', task));
    // a1 runs and a2 waits: a3 and a4 are refused.
    expect(flood.map((answer) => answer !== undefined)).toEqual([true, true, false, false]);
    const other = queue.push('B', 'b1');
    expect(other).toBeDefined();
    await finishNext();
    expect(started).toEqual(['a1', 'b1']);
    await finishNext();
    await expect(other).resolves.toBe('b1');
  });

  it('goes on with the next task when one fails', async () => {
    const queue = createFairQueue(async (task: string) => {
      if (task === 'bad') throw new Error('worker died');
      return task;
    }, 4);
    const failed = queue.push('A', 'bad');
    const next = queue.push('B', 'good');
    await expect(failed).rejects.toThrow('worker died');
    await expect(next).resolves.toBe('good');
  });
});

describe('the client a sign-in is queued under', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    // IPv6: a host picks its addresses from a whole /64, so the /64 is the client.
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:0:0:0:1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['1::2:3:4:5:6', '1:0:0:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s is queued as %s', (address, key) => expect(clientKey(address)).toBe(key));
});

describe('the hash an unknown user is compared against', () => {
  /** A checker that answers at once and keeps the hashes it was asked to compare against. */
  function recordingChecker(): BcryptChecker & { hashes: string[] } {
    const hashes: string[] = [];
    return { hashes, close: () => undefined, compare: async (_password, hash) => (hashes.push(hash), false) };
  }

  it.each<[string, Record<string, string>, number]>([
    ['one user', { alice: hashSync('a', 5) }, 5],
    ['users of one cost', { alice: hashSync('a', 6), bob: hashSync('b', 6) }, 6],
    // Costs that differ cannot all be matched: an unknown user costs as much as the dearest user, never less.
    ['users of different costs, the cheaper first', { alice: hashSync('a', 4), bob: hashSync('b', 6) }, 6],
  ])('has the cost of the configured hashes, with %s', async (_what, users, cost) => {
    const checker = recordingChecker();
    const verifier = createBasicVerifier(users, checker, { maxPendingPerClient: 8, cacheSize: 16 });
    expect(await verifier.verify('mallory', 'a', CLIENT)).toBe('denied');
    expect(checker.hashes).toHaveLength(1);
    expect(getRounds(checker.hashes[0]!)).toBe(cost);
  });
});

describe('the bcrypt worker', () => {
  it('rejects what is pending when closed, and starts again on the next comparison', async () => {
    const checker = createBcryptChecker();
    const pending = checker.compare('wonderland', hashSync('x', 10));
    checker.close();
    await expect(pending).rejects.toThrow('closed');
    await expect(checker.compare('wonderland', ALICE_HASH)).resolves.toBe(true);
    checker.close();
  });

  it('answers what a crashed worker owed on a fresh one, and refuses only the comparison that crashed two', async () => {
    const workers = watchWorkers();
    const checker = createBcryptChecker();
    try {
      // A password that is no string makes bcryptjs throw inside the worker, which ends it: a crash, as a bug would.
      const crashing = checker.compare(undefined as unknown as string, ALICE_HASH);
      const behind = [checker.compare('wonderland', ALICE_HASH), checker.compare('looking glass', ALICE_HASH)];
      await expect(crashing).rejects.toThrow('bcrypt worker failed: Illegal arguments: undefined, string');
      await expect(Promise.all(behind)).resolves.toEqual([true, false]);
      await expect(checker.compare('wonderland', ALICE_HASH)).resolves.toBe(true);
      // The first worker and the one the crashing comparison was tried again on, then the one that answered.
      expect(workers.started).toHaveLength(3);
    } finally {
      checker.close();
      workers.restore();
    }
  });

  it('answers the comparison a worker was killed under on a fresh one', async () => {
    const workers = watchWorkers();
    const checker = createBcryptChecker();
    try {
      const answer = checker.compare('wonderland', ALICE_HASH);
      await workers.started[0]!.terminate();
      await expect(answer).resolves.toBe(true);
      expect(workers.started).toHaveLength(2);
    } finally {
      checker.close();
      workers.restore();
    }
  });
});

describe('listening beyond loopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.7', false],
    ['::ffff:10.0.0.7', false],
    ['fe80::1', false],
    ['web-1.example.com', false],
  ])('%s is loopback: %p', (host, expected) => expect(isLoopback(host)).toBe(expected));

  /** The auth endpoint alone, with a logger that keeps what it writes: nothing needs to bind a public address. */
  function warningsFor(raw: Record<string, unknown>): unknown[] {
    const lines: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const endpoint = authEndpoint({ config: parseConfig(raw, 'test'), logger } as AgentContext);
    endpoint.close?.();
    return lines;
  }

  it('logs a warning at start on a public address without auth, and none with auth or on loopback', () => {
    expect(warningsFor({ host: '0.0.0.0' })).toEqual([
      expect.objectContaining({ level: 40, host: '0.0.0.0', msg: expect.stringContaining('without auth') }),
    ]);
    expect(warningsFor({ host: '0.0.0.0', auth: { token: 'a'.repeat(32) } })).toEqual([]);
    expect(warningsFor({ host: '127.0.0.1' })).toEqual([]);
  });
});

describe('auth and tls in the config', () => {
  function problemsOf(raw: unknown): string[] {
    try {
      parseConfig(raw, 'agent.config.json');
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error('expected the config to be refused');
  }

  it('is off by default', () => {
    expect(parseConfig({}, 'x')).toMatchObject({ auth: { basic: {} } });
    expect(parseConfig({}, 'x').auth.token).toBeUndefined();
    expect(parseConfig({}, 'x').tls).toBeUndefined();
  });

  it('reports each bad entry on one line with its key path, and never echoes a secret', () => {
    const problems = problemsOf({
      auth: { token: 'hunter2', basic: { alice: 'plain-text-password', 'bob:x': ALICE_HASH, carol: '$2b$10$tooShort' } },
      tls: { certFile: '/etc/hostfeed/cert.pem' },
    });
    expect(problems).toEqual([
      'agent.config.json: auth.token: expected at least 16 characters of A-Z a-z 0-9 - . _ ~ + / (e.g. `openssl rand -hex 32`)',
      'agent.config.json: auth.basic.alice: expected a bcrypt hash ("$2b$12$" then 53 characters; see docs/deploy.md), not a password',
      'agent.config.json: auth.basic.carol: expected a bcrypt hash ("$2b$12$" then 53 characters; see docs/deploy.md), not a password',
      'agent.config.json: auth.basic.bob:x: a user name cannot hold ":" (HTTP Basic cannot carry it)',
      'agent.config.json: tls.keyFile: expected the path of a PEM private key, got nothing',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2|plain-text-password|tooShort/);
  });

  it('accepts $2a$, $2b$ and $2y$ hashes of any cost bcrypt allows', () => {
    const tail = ALICE_HASH.slice(7);
    const users = { a: `$2a$04$${tail}`, b: `$2b$31$${tail}`, y: `$2y$10$${tail}` };
    expect(parseConfig({ auth: { basic: users } }, 'x').auth.basic).toEqual(users);
    expect(problemsOf({ auth: { basic: { x: `$2b$03$${tail}` } } })).toHaveLength(1);
    expect(problemsOf({ auth: { basic: { x: `$2c$10$${tail}` } } })).toHaveLength(1);
  });

  it('takes HOSTFEED_TOKEN (the token override) over the file, validated as the file is', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hostfeed-auth-')), 'agent.config.json');
    writeFileSync(path, JSON.stringify({ auth: { token: 'f'.repeat(20), basic: { alice: ALICE_HASH } } }));
    expect(loadConfig(path, { token: 'e'.repeat(24) }).auth).toEqual({ token: 'e'.repeat(24), basic: { alice: ALICE_HASH } });
    expect(() => loadConfig(path, { token: 'short' })).toThrow(`${path}: auth.token: expected at least 16 characters`);
  });
});
