/**
 * GET /metrics as the router answers it, on 127.0.0.1, with a feed of fixed samples: content negotiation as Prometheus
 * asks (its scrape Accept header), the content types the specs give, gzip as RFC 1952 frames it. The agent around it
 * (collectors, hardening, auth) is test/integration/metrics-endpoint.test.ts's.
 */
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { RequestHandler } from 'express';
import type { AgentContext } from '../../agent/context';
import { silentLogger } from '../../agent/logger';
import { metricsEndpoint } from '../../agent/metrics/endpoint';
import type { AnySample } from '../../agent/samples';
import { createApp } from '../../agent/server';
import { parseExposition } from '../helpers/exposition';
import { allSucceeded, contextOf } from '../helpers/metrics-context';

/** What Prometheus 2.x sends with every scrape (scrape/scrape.go, acceptHeader): OpenMetrics 1.0 first. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
/** The exposition formats' media types: Prometheus' text format 0.0.4 and OpenMetrics 1.0's. */
const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const LOAD: AnySample[] = [{ topic: 'load', data: {} as never, raw: { load1: 0.5, load5: 0.25, load15: 0.125 } }];

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** As sent: fetch would gunzip behind the test's back. */
  body: Buffer;
}

let server: Server;
/** How often the router asked express to negotiate Accept (req.accepts), counted by a middleware in front. */
let acceptNegotiations = 0;

function serve(context: AgentContext): Promise<void> {
  const countAccepts: RequestHandler = (req, _res, next) => {
    const accepts = req.accepts.bind(req) as (types: string[]) => string | false;
    req.accepts = ((types: string[]) => {
      acceptNegotiations++;
      return accepts(types);
    }) as typeof req.accepts;
    next();
  };
  const app = createApp([{ router: countAccepts as never }, metricsEndpoint(context)], silentLogger());
  return new Promise((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
}

function scrape(headers: Record<string, string> = {}): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

afterEach(
  () =>
    new Promise<void>((resolve) => {
      acceptNegotiations = 0;
      server.close(() => resolve());
    }),
);

describe('GET /metrics', () => {
  it('text format 0.0.4 without an Accept header, uncompressed, with the scraped families', async () => {
    await serve(contextOf(LOAD, allSucceeded(LOAD)));
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TEXT_TYPE);
    expect(res.headers['content-encoding']).toBeUndefined();
    const text = res.body.toString();
    expect(text).not.toContain('# EOF');
    expect(parseExposition(text).get('node_load5')?.samples).toEqual([{ name: 'node_load5', labels: {}, value: 0.25 }]);
  });

  it("OpenMetrics 1.0 for Prometheus' Accept, ending with # EOF; text again for a client that asks for it", async () => {
    await serve(contextOf(LOAD, allSucceeded(LOAD)));
    const openMetrics = await scrape({ accept: PROMETHEUS_ACCEPT });
    expect(openMetrics.headers['content-type']).toBe(OPENMETRICS_TYPE);
    expect(openMetrics.body.toString()).toMatch(/\nnode_load1 0\.5\n(.*\n)*# EOF\n$/);
    for (const accept of ['text/plain;version=0.0.4', '*/*', 'text/html']) {
      const text = await scrape({ accept });
      expect({ accept, type: text.headers['content-type'] }).toEqual({ accept, type: TEXT_TYPE });
      expect(text.body.toString()).not.toContain('# EOF');
    }
    expect((await scrape({ accept: 'application/openmetrics-text;version=1.0.0' })).headers['content-type']).toBe(OPENMETRICS_TYPE);
  });

  it('negotiates an Accept header once, not on every scrape that repeats it', async () => {
    await serve(contextOf(LOAD, allSucceeded(LOAD)));
    for (let i = 0; i < 3; i++) expect((await scrape({ accept: PROMETHEUS_ACCEPT })).headers['content-type']).toBe(OPENMETRICS_TYPE);
    expect(acceptNegotiations).toBe(1);
    expect((await scrape()).headers['content-type']).toBe(TEXT_TYPE);
    expect(acceptNegotiations).toBe(2);
  });

  it('gzip when Accept-Encoding allows it, at the fastest level; the same body as unencoded', async () => {
    await serve(contextOf(LOAD, allSucceeded(LOAD)));
    const plain = await scrape();
    const gzipped = await scrape({ 'accept-encoding': 'br, gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('Accept, Accept-Encoding');
    expect(plain.headers.vary).toBe('Accept, Accept-Encoding');
    // RFC 1952: ID1 ID2 (31, 139), then at byte 8 XFL, which is 4 when "compressor used fastest algorithm".
    expect([gzipped.body[0], gzipped.body[1], gzipped.body[8]]).toEqual([31, 139, 4]);
    // The host's series (the clock's and this process' own move between two scrapes).
    const loadLines = (text: string) => text.split('\n').filter((line) => line.startsWith('node_load'));
    expect(loadLines(gunzipSync(gzipped.body).toString())).toEqual(loadLines(plain.body.toString()));
    expect(loadLines(plain.body.toString())).toHaveLength(3);
    for (const refused of ['identity', 'gzip;q=0, identity', 'br']) {
      expect({ refused, encoding: (await scrape({ 'accept-encoding': refused })).headers['content-encoding'] }).toEqual({ refused, encoding: undefined });
    }
  });

  it('a scrape that fails answers 500, and the next one is served again', async () => {
    let reads = 0;
    const flaky = async () => {
      if (++reads === 1) throw new Error('feed gone');
    };
    await serve(contextOf(LOAD, allSucceeded(LOAD), 'procfs', flaky));
    expect((await scrape()).status).toBe(500);
    expect((await scrape()).status).toBe(200);
  });
});
