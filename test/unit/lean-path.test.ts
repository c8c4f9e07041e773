import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import request from 'supertest';
import type { AuthGate } from '../../agent/auth/endpoint';
import { leanPath, type LeanRoute } from '../../agent/lean-path';
import { silentLogger } from '../../agent/logger';

/** Which of the two answered: express (here a stand-in) or the lean route. */
function subjects(route: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => void res.end('route')) {
  const seen: string[] = [];
  const app: RequestListener = (req, res) => {
    seen.push(`app ${req.method} ${req.url}`);
    res.end('app');
  };
  const metrics: LeanRoute = {
    serve: (req, res) => {
      seen.push(`route ${req.method} ${req.url}`);
      return route(req, res);
    },
  };
  return { seen, app, metrics };
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

describe('the lean path of /metrics', () => {
  it.each([
    ['GET', '/metrics'],
    ['HEAD', '/metrics'],
    ['GET', '/metrics?name%5B%5D=node_load1'],
  ])('answers %s %s itself, with the security headers every response carries', async (method, path) => {
    const { seen, app, metrics } = subjects();
    const listener = leanPath(app, metrics, { gate: undefined, trustProxy: [], logger: silentLogger() });
    const res = await request(listener)[method === 'GET' ? 'get' : 'head'](path);
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(seen).toEqual([`route ${method} ${path}`]);
  });

  it.each([
    ['POST', '/metrics'],
    ['OPTIONS', '/metrics'],
    ['GET', '/metrics/'],
    ['GET', '/Metrics'],
    ['GET', '/metricsx'],
    ['GET', '/metrics?%zz'],
    ['GET', '/healthz'],
    ['GET', '/'],
  ])('leaves %s %s to express', async (method, path) => {
    const { seen, app, metrics } = subjects();
    const listener = leanPath(app, metrics, { gate: undefined, trustProxy: [], logger: silentLogger() });
    await request(listener)[method.toLowerCase() as 'get'](path);
    expect(seen).toEqual([`app ${method} ${path}`]);
  });

  it("asks the auth gate first, with the socket's peer as the client, and serves nothing it refuses", async () => {
    const { seen, app, metrics } = subjects();
    const gate = refusingGate(true);
    const res = await request(leanPath(app, metrics, { gate, trustProxy: [], logger: silentLogger() })).get('/metrics').set('X-Forwarded-For', '192.0.2.9');
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
    expect(gate.addresses).toEqual([expect.stringMatching(/127\.0\.0\.1$/)]);
  });

  it('leaves everything to express when a Basic check needs the client address from X-Forwarded-For', () => {
    const { app, metrics } = subjects();
    expect(leanPath(app, metrics, { gate: refusingGate(true), trustProxy: ['10.0.0.1'], logger: silentLogger() })).toBe(app);
    expect(leanPath(app, metrics, { gate: refusingGate(false), trustProxy: ['10.0.0.1'], logger: silentLogger() })).not.toBe(app);
  });

  it('answers a failed scrape 500 in JSON, as the express app does', async () => {
    const { app, metrics } = subjects(() => Promise.reject(new Error('boom')));
    const res = await request(leanPath(app, metrics, { gate: undefined, trustProxy: [], logger: silentLogger() })).get('/metrics');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ error: 'internal error' });
  });
});
