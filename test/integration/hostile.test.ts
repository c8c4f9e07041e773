/**
 * Hostile requests against the real agent over raw sockets (no client library to tidy them up first): path traversal
 * in many encodings, malformed and huge queries, huge headers, garbage request lines, and every method on every path.
 * Whatever comes in, the answer is never a 5xx, never a stack trace, never a file from outside viewer/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { rawHttp, type RawAnswer } from '../helpers/raw-http';
import { untilTrue } from '../helpers/until';

const raw = (agent: RunningAgent, request: string, options?: { headOnly?: boolean }) => rawHttp(agent.port, request, options);
const get = (agent: RunningAgent, target: string, headers = '') => raw(agent, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`);

/** What must never come back: a file from outside viewer/, a stack trace, an internal error. */
const SECRETS = [
  readFileSync(join(__dirname, '../../package.json'), 'utf8').slice(0, 40),
  readFileSync(join(__dirname, '../../viewer/tsconfig.json'), 'utf8').slice(0, 40),
  'root:x:0:0',
];
function expectHarmless(answer: RawAnswer): void {
  expect(answer.status).toBeLessThan(500);
  for (const secret of SECRETS) expect(answer.body).not.toContain(secret);
  expect(answer.body).not.toMatch(/\bat .+:\d+:\d+|Error:|node_modules|\/work\//);
}

let agent: RunningAgent;
beforeAll(async () => {
  agent = await startTestAgent();
  // Healthy before the garbage, so that a 503 after it means harm, not a collector's first sample still to come.
  await untilTrue('the agent to be healthy', async () => (await get(agent, '/healthz')).status === 200);
});
afterAll(stopTestAgents);

describe('path traversal', () => {
  it('the page itself is served (the control)', async () => {
    expect((await get(agent, '/index.html')).status).toBe(200);
  });

  it.each([
    '/../../../../etc/passwd',
    '/./../package.json',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/.%2e/.%2e/package.json',
    '/%252e%252e%252fpackage.json',
    '/%25252e%25252e/package.json',
    '/..%5c..%5cpackage.json',
    '/..\\..\\package.json',
    '/%c0%ae%c0%ae%c0%afpackage.json',
    '/%e0%80%ae%e0%80%ae/package.json',
    '/%u002e%u002e/package.json',
    '/..;/package.json',
    '/index.html%00.png',
    '/%00',
    '/..%00/package.json',
    '/tsconfig.json',
    '/%2fetc%2fpasswd',
    '//etc/passwd',
    '/vendor/uplot/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/vendor/%2e%2e/%2e%2e/package.json',
    '/index.html/..%2f..%2fpackage.json',
    'http://127.0.0.1/../package.json',
  ])('%s: 400 or 404, nothing from outside viewer/', async (target) => {
    const answer = await get(agent, target);
    expectHarmless(answer);
    expect([400, 404]).toContain(answer.status);
  });
});

describe('query strings', () => {
  const PATHS = ['/', '/healthz', '/metrics', '/events', '/api/snapshot', '/viewer-config.json'];
  it.each(PATHS.flatMap((path) => ['?%', '?topics=%zz', '?a=%E0%A4%A', '?agents=%c0%ae', '?%ff=1'].map((query) => [path, query])))(
    '%s%s: 400 malformed query string, as JSON',
    async (path, query) => {
      const answer = await get(agent, `${path}${query}`);
      expectHarmless(answer);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toEqual({ error: 'malformed query string: bad percent-encoding' });
    },
  );

  it('a 64 KiB query: 431', async () => {
    expect((await get(agent, `/api/snapshot?topics=${'cpu,'.repeat(16 * 1024)}`)).status).toBe(431);
  });

  it('an 8 KiB query under the limit: a short 400 that does not echo it', async () => {
    const answer = await get(agent, `/api/snapshot?topics=${'x'.repeat(8 * 1024)}`);
    expectHarmless(answer);
    expect(answer.status).toBe(400);
    expect(answer.body.length).toBeLessThan(300);
  });
});

describe('headers', () => {
  it.each([
    ['one 32 KiB header', 431, `X-Big: ${'a'.repeat(32 * 1024)}\r\n`],
    ['3,000 small headers', 431, Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')],
    ['a NUL in a value', 400, 'X-Nul: a\0b\r\n'],
    ['a header line without a colon', 400, 'NoColon\r\n'],
    ['Content-Length and Transfer-Encoding together (smuggling)', 400, 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'],
    ['a negative Content-Length', 400, 'Content-Length: -1\r\n'],
    ['an unsatisfiable Range', 416, 'Range: bytes=99999999999-1\r\n'],
    ['a garbage Range', 200, 'Range: bytes=a-b-c\r\n'],
    ['a garbage If-Modified-Since', 200, 'If-Modified-Since: yesterday-ish\r\n'],
    ['a garbage Accept', 200, 'Accept: */*;q=nope, text/html;;;\r\n'],
  ])('%s: %p', async (_what, status, headers) => {
    const answer = await get(agent, '/index.html', headers);
    expectHarmless(answer);
    expect(answer.status).toBe(status);
  });
});

describe('garbage requests', () => {
  it.each([
    ['binary noise', '\x00\x01\x02\x03\xff\r\n\r\n'],
    ['a request line of one word', 'GET\r\n\r\n'],
    ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n'],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['bare line feeds', 'GET / HTTP/1.1\nHost: x\n\n'],
    ['an unknown method token', 'G\xe9T / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['TLS sent to the http port', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
  ])('%s: 400, and the agent goes on', async (_what, request) => {
    const answer = await raw(agent, request);
    expectHarmless(answer);
    // Node answers every request it cannot parse (a closed connection with no answer would be status 0 here).
    expect(answer.status).toBe(400);
    // Healthy before (see beforeAll), so healthy after.
    expect((await get(agent, '/healthz')).status).toBe(200);
  });
});

describe('every method on every path', () => {
  const PATHS = ['/', '/index.html', '/healthz', '/metrics', '/events', '/api/snapshot', '/api/schema', '/viewer-config.json', '/vendor/uplot/uPlot.min.css', '/unknown'];
  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT'];
  const expected = (method: string, path: string): number => {
    if (method === 'GET' || method === 'HEAD') return path === '/unknown' ? 404 : 200;
    return method === 'OPTIONS' ? 204 : 405;
  };

  it.each(PATHS.flatMap((path) => METHODS.map((method) => [method, path])))('%s %s', async (method, path) => {
    const body = method === 'GET' || method === 'HEAD' ? '' : 'Content-Length: 2\r\n\r\n{}';
    const request = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${body ? body : '\r\n'}`;
    // /events keeps its stream open: its head is all this needs.
    const answer = await raw(agent, request, { headOnly: path === '/events' && method === 'GET' });
    expectHarmless(answer);
    const status = expected(method, path);
    expect(answer.status).toBe(status);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    if (status === 405 || status === 204) expect(answer.headers.allow).toBe('GET, HEAD, OPTIONS');
    if (status === 405) expect(JSON.parse(answer.body)).toEqual({ error: `method ${method} not allowed; this agent answers GET, HEAD, OPTIONS` });
  });
});

describe('headers on every answer', () => {
  it.each(['/', '/metrics', '/api/snapshot', '/unknown', '/?%'])('%s: nosniff, and framing denied', async (path) => {
    const answer = await get(agent, path);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
