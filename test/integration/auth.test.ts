/**
 * Auth on a real agent: off by default; with Basic users and a token, every endpoint but /healthz refuses anonymous
 * requests with a challenge per scheme; CORS preflights still work; bcrypt verdicts are cached so floods stay cheap.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import type { RunningAgent } from '../../agent/agent';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { runCli, startCli, type RunningCli } from '../helpers/cli';
import { parseExposition } from '../helpers/exposition';
import { closeAfterEach, isEvent } from '../helpers/sse-stream';
import { HANG_GUARD_MS, untilTrue } from '../helpers/until';
import { watchWorkers, type WorkerWatch } from '../helpers/workers';

const PASSWORD = 'correct horse battery staple';
// Cost 4, bcrypt's least: these tests are about what is around bcrypt; one below checks a real config's cost 10.
const ALICE_HASH = hashSync(PASSWORD, 4);
const TOKEN = 'k3Y-0f-th1s.t3st~t0ken';
const AUTH = { auth: { token: TOKEN, basic: { alice: ALICE_HASH } } };

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice', PASSWORD);

const { open } = closeAfterEach();
afterEach(stopTestAgents);

async function get(url: string, authorization?: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) } });
  // Bodies are read so that keep-alive sockets are reused and none is left open.
  await res.arrayBuffer();
  return res;
}

async function metric(agent: RunningAgent, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${agent.url}/metrics`, { headers: { Authorization: ALICE } })).text();
  const sample = parseExposition(text)
    .get(name)
    ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!sample) throw new Error(`${name} ${JSON.stringify(labels)} not in /metrics`);
  return sample.value;
}

async function healthy(agent: RunningAgent): Promise<void> {
  await untilTrue('the agent to be healthy', async () => (await get(`${agent.url}/healthz`)).status === 200);
}

const PROTECTED = ['/', '/index.html', '/app.js', '/viewer-config.json', '/vendor/uplot/uPlot.min.css', '/metrics', '/events', '/api/snapshot', '/api/schema', '/api/history', '/nope'];

describe('auth off (the default)', () => {
  it('lets anyone read every endpoint', async () => {
    const agent = await startTestAgent();
    await healthy(agent);
    for (const path of ['/', '/metrics', '/api/snapshot', '/api/schema', '/api/history']) expect([path, (await get(`${agent.url}${path}`)).status]).toEqual([path, 200]);
  });
});

describe('auth on', () => {
  let agent: RunningAgent;
  beforeEach(async () => {
    agent = await startTestAgent(AUTH);
  });

  it.each(PROTECTED)('%s answers 401 with a Basic and a Bearer challenge to anonymous clients', async (path) => {
    const res = await fetch(`${agent.url}${path}`, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="hostfeed", charset="UTF-8", Bearer realm="hostfeed"');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ error: 'authentication required' });
  });

  it('leaves /healthz open, for probes', async () => {
    await healthy(agent);
  });

  it('opens every endpoint to a Basic user, the SSE stream included', async () => {
    await healthy(agent);
    for (const path of PROTECTED.filter((p) => p !== '/events' && p !== '/nope')) {
      expect([path, (await get(`${agent.url}${path}`, ALICE)).status]).toEqual([path, 200]);
    }
    expect((await get(`${agent.url}/nope`, ALICE)).status).toBe(404);
    const stream = await open(`${agent.url}/events`, { Authorization: ALICE });
    expect(stream.status).toBe(200);
    await stream.waitFor(isEvent('cpu'), 2);
    expect(stream.events()[0]!.event).toBe('hello');
  });

  it('opens them to the bearer token too', async () => {
    expect((await get(`${agent.url}/metrics`, `Bearer ${TOKEN}`)).status).toBe(200);
    const stream = await open(`${agent.url}/events`, { Authorization: `bearer ${TOKEN}` });
    await stream.waitFor(isEvent('hello'));
  });

  it.each([
    ['a wrong password', basic('alice', 'Tr0ub4dor&3')],
    ['an unknown user', basic('mallory', PASSWORD)],
    ['the user in the wrong case', basic('Alice', PASSWORD)],
    ['an empty password', basic('alice', '')],
    ['the token as a Basic password', basic('alice', TOKEN)],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a token prefix', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the password as a token', `Bearer ${Buffer.from(PASSWORD).toString('base64')}`],
    ['an unknown scheme', `Digest username="alice"`],
    ['a header without credentials', 'Basic'],
    ['broken base64', 'Basic %%%'],
  ])('refuses %s with 401', async (_what, authorization) => {
    const res = await get(`${agent.url}/api/snapshot`, authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic realm="hostfeed"');
  });
});

describe('auth with CORS', () => {
  it('answers the preflight of an allowed origin without credentials, and still wants them for the request', async () => {
    const origin = 'https://grafana.example.com';
    const agent = await startTestAgent({ ...AUTH, cors: { origins: [origin], credentials: true } });
    const preflight = await fetch(`${agent.url}/events`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization, last-event-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, last-event-id');
    expect((await get(`${agent.url}/api/snapshot`, undefined, { Origin: origin })).status).toBe(401);
    const allowed = await get(`${agent.url}/api/snapshot`, ALICE, { Origin: origin });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe('the bcrypt cache under a flood', () => {
  /** `total` requests, `concurrency` at a time; how many got each status. */
  async function flood(url: string, total: number, concurrency: number, header: (i: number) => string): Promise<Record<number, number>> {
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const { status } = await get(url, header(next++));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    return Object.fromEntries(statuses);
  }

  it('runs bcrypt once per distinct credentials, and answers distinct guesses with 401 or, beyond the queue, 429', async () => {
    const agent = await startTestAgent(AUTH);
    const url = `${agent.url}/api/snapshot`;
    expect(await flood(url, 100, 20, () => ALICE)).toEqual({ 200: 100 });
    expect(await flood(url, 100, 20, () => basic('alice', 'the same wrong guess'))).toEqual({ 401: 100 });
    expect(await metric(agent, 'hostfeed_auth_bcrypt_comparisons_total')).toBe(2);

    // Every guess new: each one either compared on the worker (401) or refused unqueued (429), none lost.
    const guesses = await flood(url, 200, 50, (i) => basic('alice', `guess ${i}`));
    const [denied = 0, busy = 0] = [guesses[401], guesses[429]];
    expect(denied + busy).toBe(200);
    expect(await metric(agent, 'hostfeed_auth_bcrypt_comparisons_total')).toBe(2 + denied);
    expect(await metric(agent, 'hostfeed_auth_refused_total', { reason: 'busy' })).toBe(busy);
    // The right password is still answered from the cache.
    expect((await get(url, ALICE)).status).toBe(200);
    expect(await metric(agent, 'hostfeed_auth_bcrypt_comparisons_total')).toBe(2 + denied);
  });

  it(
    'checks a cost-10 hash, as a real config has, on its worker',
    async () => {
      const agent = await startTestAgent({ auth: { basic: { alice: hashSync(PASSWORD, 10) } } });
      expect((await get(`${agent.url}/api/snapshot`, ALICE)).status).toBe(200);
      expect((await get(`${agent.url}/api/snapshot`, basic('alice', 'Tr0ub4dor&3'))).status).toBe(401);
    },
    // A hang guard: a cost-10 comparison takes a good second on a loaded 2-core machine, and this one hashes too.
    60_000,
  );
});

describe('the bcrypt worker crashing', () => {
  let workers: WorkerWatch;
  beforeEach(() => (workers = watchWorkers()));
  afterEach(() => workers.restore());

  it('is replaced: the check it was running and those after it are answered 200 or 401, none waits for ever', async () => {
    const bob = { name: 'bob', password: 'through the looking glass' };
    const agent = await startTestAgent({ auth: { basic: { alice: ALICE_HASH, [bob.name]: hashSync(bob.password, 4) } } });
    const url = `${agent.url}/api/snapshot`;
    // Bounded, so that a check nobody answers fails here rather than at the test's timeout.
    const status = async (authorization: string) => (await fetch(url, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(HANG_GUARD_MS) })).status;
    // The first Basic check starts the worker.
    expect(await status(basic('alice', 'guess 1'))).toBe(401);
    expect(workers.started).toHaveLength(1);

    // The next check posted to it finds a message ahead of it that makes bcryptjs throw (a password that is no
    // string), which ends the worker: a crash, as a bug would, with that check still owed.
    const [worker] = workers.started;
    const post = worker!.postMessage.bind(worker);
    worker!.postMessage = (message: unknown) => {
      worker!.postMessage = post;
      post({ id: -1, password: undefined, hash: ALICE_HASH });
      post(message);
    };
    // Credentials new to the cache, so that each one is a bcrypt check; one client, so they run one at a time.
    const during = await Promise.all([status(ALICE), status(basic('alice', 'guess 2')), status(basic(bob.name, bob.password))]);
    expect(during).toEqual([200, 401, 200]);
    expect(workers.started).toHaveLength(2);
    expect(await status(basic('alice', 'guess 3'))).toBe(401);
    expect(await status(basic(bob.name, 'guess 4'))).toBe(401);
    expect(await metric(agent, 'hostfeed_auth_refused_total', { reason: 'busy' })).toBe(0);
    expect(await metric(agent, 'hostfeed_auth_bcrypt_comparisons_total')).toBe(6);
  });
});

describe('the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostfeed-auth-cli-'));
  const started: RunningCli[] = [];
  afterEach(() => {
    for (const cli of started.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });

  it('turns bearer auth on with HOSTFEED_TOKEN', async () => {
    const config = join(dir, 'plain.json');
    writeFileSync(config, JSON.stringify({ port: 0 }));
    const cli = await startCli(['--config', config], { HOSTFEED_TOKEN: TOKEN });
    started.push(cli);
    const anonymous = await fetch(`${cli.url}/metrics`);
    expect(anonymous.status).toBe(401);
    // No Basic user configured: no Basic prompt offered.
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="hostfeed"');
    expect((await get(`${cli.url}/metrics`, `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('refuses a password where a hash belongs: one line per problem, exit 2, the password not repeated', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ auth: { basic: { alice: PASSWORD, bob: ALICE_HASH.slice(0, 20) } } }));
    const { code, stdout, stderr } = await runCli(['--config', config]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `hostfeed: ${config}: auth.basic.alice: expected a bcrypt hash ("$2b$12$" then 53 characters; see docs/deploy.md), not a password`,
      `hostfeed: ${config}: auth.basic.bob: expected a bcrypt hash ("$2b$12$" then 53 characters; see docs/deploy.md), not a password`,
    ]);
    expect(stderr).not.toContain(PASSWORD);
  });
});
