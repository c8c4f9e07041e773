import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import request from 'supertest';
import type { AuthGate } from '../../agent/auth/endpoint';
import { leanPath, type LeanRoute, type LeanRoutes } from '../../agent/lean-path';
import { silentLogger } from '../../agent/logger';

/** Which answered: express (here a stand-in) or a lean route. */
function subjects(route: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => void res.end('route')) {
  const seen: string[] = [];
  const app: RequestListener = (req, res) => {
    seen.push(`app ${req.method} ${req.url}`);
    res.end('app');
  };
  const lean = (name: string): LeanRoute => ({
    serve: (req, res) => {
      seen.push(`${name} ${req.method} ${req.url}`);
      return route(req, res);
    },
  });
  const routes: LeanRoutes = { metrics: lean('metrics'), health: lean('health') };
  return { seen, app, routes };
}

const refusingGate = (usesClientAddress = false): AuthGate & { addresses: (string | undefined)[] } => {
  const addresses: (string | undefined)[] = [];
  return {
    usesClientAddress,
    addresses,
    async admit(_req, res, address) {
      addresses.push(address);
      res.statusCode = 401;
      res.end('refused');
      return false;
    },
  };
};

describe('the lean path of /metrics and /healthz', () => {
  it.each([
    ['GET', '/metrics', 'metrics'],
    ['HEAD', '/metrics', 'metrics'],
    ['GET', '/metrics?name%5B%5D=node_load1', 'metrics'],
    ['GET', '/healthz', 'health'],
    ['HEAD', '/healthz', 'health'],
  ])('answers %s %s itself, with the security headers every response carries', async (method, path, route) => {
    const { seen, app, routes } = subjects();
    const listener = leanPath(app, routes, { gate: undefined, trustProxy: [], logger: silentLogger() });
    const res = await request(listener)[method === 'GET' ? 'get' : 'head'](path);
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(seen).toEqual([`${route} ${method} ${path}`]);
  });

  it.each([
    ['POST', '/metrics'],
    ['OPTIONS', '/metrics'],
    ['GET', '/metrics/'],
    ['GET', '/Metrics'],
    ['GET', '/metricsx'],
    ['GET', '/metrics?%zz'],
    ['POST', '/healthz'],
    ['GET', '/healthz/'],
    ['GET', '/healthz?%zz'],
    ['GET', '/events'],
    ['GET', '/'],
  ])('leaves %s %s to express', async (method, path) => {
    const { seen, app, routes } = subjects();
    const listener = leanPath(app, routes, { gate: undefined, trustProxy: [], logger: silentLogger() });
    await request(listener)[method.toLowerCase() as 'get'](path);
    expect(seen).toEqual([`app ${method} ${path}`]);
  });

  it("asks the auth gate first for /metrics, with the socket's peer as the client, and serves nothing it refuses", async () => {
    const { seen, app, routes } = subjects();
    const gate = refusingGate(true);
    const listener = leanPath(app, routes, { gate, trustProxy: [], logger: silentLogger() });
    const res = await request(listener).get('/metrics').set('X-Forwarded-For', '192.0.2.9');
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
    expect(gate.addresses).toEqual([expect.stringMatching(/127\.0\.0\.1$/)]);
    // Probes need no credentials, as in express (health before auth).
    expect((await request(listener).get('/healthz')).status).toBe(200);
    expect(seen).toEqual(['health GET /healthz']);
  });

  it('leaves /metrics to express when a Basic check needs the client address from X-Forwarded-For', async () => {
    for (const [usesClientAddress, answeredBy] of [[true, 'app'], [false, 'metrics']] as const) {
      const { seen, app, routes } = subjects();
      const gate: AuthGate = { usesClientAddress, admit: async () => true };
      await request(leanPath(app, routes, { gate, trustProxy: ['10.0.0.1'], logger: silentLogger() })).get('/metrics');
      expect(seen).toEqual([`${answeredBy} GET /metrics`]);
    }
  });

  it('answers a failed scrape 500 in JSON, as the express app does', async () => {
    const { app, routes } = subjects(() => Promise.reject(new Error('boom')));
    const res = await request(leanPath(app, routes, { gate: undefined, trustProxy: [], logger: silentLogger() })).get('/metrics');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ error: 'internal error' });
  });
});
