/**
 * CORS preflights (OPTIONS with Origin and Access-Control-Request-Method, which browsers send without credentials)
 * get one answer on every path, known or not, with auth on or off: a scan cannot map the routes with them.
 */
import { hashSync } from 'bcryptjs';
import { startTestAgent, stopTestAgents } from '../helpers/agent';

afterEach(stopTestAgents);

const ORIGIN = 'https://grafana.example.com';
// Cost 4: no bcrypt check runs here; the hash only turns Basic auth on.
const AUTH = { auth: { token: 'a-preflight-test-token', basic: { alice: hashSync('wonderland', 4) } } };
const PATHS = ['/metrics', '/healthz', '/events', '/api/snapshot', '/', '/app.js', '/nope', '/api/nope', '/vendor/nope.js'];

/** Status and headers of a preflight, without those that vary with the moment (Date) or the connection. */
async function preflight(url: string, origin: string): Promise<{ status: number; headers: Record<string, string> }> {
  const res = await fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
  await res.arrayBuffer();
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)));
  return { status: res.status, headers };
}

describe('CORS preflights', () => {
  it.each<[string, Record<string, unknown>]>([
    ['auth on', AUTH],
    ['auth and CORS on', { ...AUTH, cors: { origins: [ORIGIN], credentials: true } }],
    ['auth off', {}],
    ['CORS on, auth off', { cors: { origins: [ORIGIN] } }],
  ])('with %s, every path, known or not, answers alike', async (_what, config) => {
    const agent = await startTestAgent(config);
    for (const origin of [ORIGIN, 'https://elsewhere.example']) {
      const [first, ...others] = await Promise.all(PATHS.map((path) => preflight(`${agent.url}${path}`, origin)));
      expect(first!.status).toBeLessThan(300);
      for (const [index, other] of others.entries()) expect([PATHS[index + 1], other]).toEqual([PATHS[index + 1], first]);
    }
  });
});
