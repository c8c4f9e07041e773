/** /events between HTTP middleware and browsers: never compressed, CORS from the allowlist. */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import compression from 'compression';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import express from 'express';
import { silentLogger } from '../../agent/logger';
import { createApp } from '../../agent/server';
import { eventsEndpoint } from '../../agent/sse/endpoint';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { closeAfterEach, isEvent } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';

const { open, track, serve } = closeAfterEach();
afterEach(stopTestAgents);

/** Status and headers of one request; a stream is left at its headers. */
function head(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.on('error', () => undefined);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('compression', () => {
  it('never applies to the stream, even behind compression middleware with Accept-Encoding: gzip', async () => {
    const agent = await startTestAgent();
    // The same endpoint behind express's compression middleware, as an embedding app might mount it.
    const endpoint = eventsEndpoint({ ...agent.context, metrics: undefined });
    const app = express();
    app.use(compression({ threshold: 0 }));
    app.use(createApp([endpoint], silentLogger()));
    const url = await serve(app, endpoint);

    const stream = await open(`${url}/events`, { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip, deflate, br' });
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    // Events arrive as they happen, not when a compressor's buffer fills.
    await stream.waitFor(isEvent(), 10);
    expect(stream.events()[0].event).toBe('hello');
    // The middleware does compress what it may: it is really in front.
    expect((await head(`${url}/api/schema`, 'GET', { 'Accept-Encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');

    const direct = await open(`${agent.url}/events`, { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip' });
    expect(direct.headers['content-encoding']).toBeUndefined();
    await direct.waitFor(isEvent(), 3);
  });
});

describe('HTTP/1.0', () => {
  it("streams to an HTTP/1.0 client (nginx's default to upstreams) without chunks, until the connection closes", async () => {
    const agent = await startTestAgent();
    const socket = connect(agent.port, '127.0.0.1');
    track({ close: () => socket.destroy() });
    socket.write('GET /events?topics=load HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await untilTrue('four events', async () => (received.match(/^event: /gm)?.length ?? 0) >= 4);
    await agent.stop();
    await closed;

    const [head, body] = [received.slice(0, received.indexOf('\r\n\r\n')), received.slice(received.indexOf('\r\n\r\n') + 4)];
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).not.toMatch(/transfer-encoding/i);
    const events: EventSourceMessage[] = [];
    createParser({ onEvent: (event) => events.push(event) }).feed(body);
    expect(body).toMatch(/^retry: 2000\n\nevent: hello\n/);
    expect(body).not.toMatch(/\r/);
    expect(events.map((e) => e.event)).toEqual(['hello', ...Array(events.length - 1).fill('load')]);
    expect(events.length).toBeGreaterThan(3);
  });
});

describe('CORS', () => {
  const ALLOWED = 'https://dash.example.com';

  it('lets listed origins read /events and /api/*, with credentials when configured, and no one else', async () => {
    const agent = await startTestAgent({ cors: { origins: [ALLOWED, 'http://localhost:3000'], credentials: true } });
    for (const path of ['/events', '/api/snapshot', '/api/schema']) {
      const allowed = await head(`${agent.url}${path}`, 'GET', { Origin: ALLOWED, Accept: 'text/event-stream' });
      expect(allowed.status).toBe(200);
      expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      expect(allowed.headers.vary).toMatch(/Origin/);
      const other = await head(`${agent.url}${path}`, 'GET', { Origin: 'https://evil.example', Accept: 'text/event-stream' });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    }
    // Other endpoints are not part of the cross-origin surface.
    expect((await head(`${agent.url}/healthz`, 'GET', { Origin: ALLOWED })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers the preflight a Last-Event-ID header can cause', async () => {
    const agent = await startTestAgent({ cors: { origins: [ALLOWED] } });
    const preflight = await head(`${agent.url}/events`, 'OPTIONS', {
      Origin: ALLOWED,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'last-event-id',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,HEAD');
    expect(preflight.headers['access-control-allow-headers']).toBe('last-event-id');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('allows any origin with "*", and none by default', async () => {
    const open = await startTestAgent({ cors: { origins: ['*'] } });
    expect((await head(`${open.url}/api/snapshot`, 'GET', { Origin: 'https://any.example' })).headers['access-control-allow-origin']).toBe('*');
    const closed = await startTestAgent();
    expect((await head(`${closed.url}/api/snapshot`, 'GET', { Origin: ALLOWED })).headers['access-control-allow-origin']).toBeUndefined();
  });
});
