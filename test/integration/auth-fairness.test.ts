/**
 * bcrypt checks are shared out by client address: a flood of distinct wrong passwords from one address (127.0.0.1)
 * fills that address's own queue, and another address (127.0.0.2, also loopback) still signs in at its first try.
 */
import { Agent, request } from 'node:http';
import { hashSync } from 'bcryptjs';
import type { RunningAgent } from '../../agent/agent';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { untilTrue } from '../helpers/until';

// Cost 4, bcrypt's least: what is tested is the queueing around bcrypt, not its cost.
const PASSWORD = 'the right password';
const TOKEN = 'a-token-for-reading-metrics';
const AUTH = { auth: { token: TOKEN, basic: { prometheus: hashSync(PASSWORD, 4) } } };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** How many guesses the flood sends at most, and how many at a time: bounded, and well beyond any queue. */
const FLOOD_MAX = 5000;
const FLOOD_CONCURRENCY = 32;

const clients: Agent[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await stopTestAgents();
});

/** A keep-alive client whose connections come from `localAddress`. */
function clientFrom(localAddress: string): Agent {
  const client = new Agent({ keepAlive: true, localAddress });
  clients.push(client);
  return client;
}

function get(url: string, client: Agent, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: client, headers: { Authorization: authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function busyRefusals(agent: RunningAgent): Promise<number> {
  const text = await (await fetch(`${agent.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
  return parseExposition(text).get('hostfeed_auth_refused_total')?.samples.find((s) => s.labels.reason === 'busy')?.value ?? 0;
}

describe('bcrypt checks under a flood of guesses from one address', () => {
  it("never hold another address's sign-in: it gets 200 at its first try, and its own wrong passwords 401", async () => {
    const agent = await startTestAgent(AUTH);
    const url = `${agent.url}/api/snapshot`;
    const flooder = clientFrom('127.0.0.1');
    const statuses = new Map<number, number>();
    let sent = 0;
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: FLOOD_CONCURRENCY }, async () => {
        while (flooding && sent < FLOOD_MAX) {
          const status = await get(url, flooder, basic('prometheus', `guess ${sent++}`));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    try {
      // The flood has filled its queue: the agent refuses some of its guesses as busy.
      await untilTrue('the flood to be refused as busy', async () => (await busyRefusals(agent)) > 0);
      const other = clientFrom('127.0.0.2');
      const answers = [await get(url, other, basic('prometheus', PASSWORD))];
      for (const guess of ['wrong 1', 'wrong 2', 'wrong 3']) answers.push(await get(url, other, basic('prometheus', guess)));
      expect(answers).toEqual([200, 401, 401, 401]);
    } finally {
      flooding = false;
      await flood;
    }
    expect(statuses.get(429)).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(FLOOD_MAX + FLOOD_CONCURRENCY);
  });
});
