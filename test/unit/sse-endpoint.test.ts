/**
 * GET /events, /api/snapshot and /api/schema as one endpoint in an express app on loopback, over a feed the test
 * drives: what a browser's EventSource (WHATWG HTML, "Server-sent events") and other HTTP clients get back. The bytes
 * are read by eventsource-parser, a real SSE parser; no agent, no collector, no timer of the test's own.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { NEVER, Subject } from 'rxjs';
import { parseConfig } from '../../agent/config';
import { eventSchemas, type Topic } from '../../agent/events';
import type { Feed } from '../../agent/feed';
import { silentLogger, type Logger } from '../../agent/logger';
import type { FeedItem } from '../../agent/samples';
import { createApp } from '../../agent/server';
import { acceptsEventStream, eventsEndpoint, type EventsEndpoint } from '../../agent/sse/endpoint';
import { parseExposition } from '../helpers/exposition';
import { FAKE_INVENTORY } from '../helpers/fake-source';
import { closeAfterEach, isEvent, type RawStream } from '../helpers/sse-stream';

const BOOT = 'e1d';
const INTERVALS = { load: 1000, memory: 5000 };
const load = (ts: number): FeedItem => ({ topic: 'load', data: { ts, load1: 0.5, load5: 0.25, load15: 0.125 }, raw: { load1: 0.5, load5: 0.25, load15: 0.125 } });
const memory = (ts: number): FeedItem => ({
  topic: 'memory',
  data: { ts, totalBytes: 4, availableBytes: 3, usedBytes: 1, usedRatio: 0.25, freeBytes: 2, buffersBytes: 0, cachedBytes: 1, swapTotalBytes: 0, swapFreeBytes: 0, swapUsedBytes: 0 },
  raw: {},
});

const { open, serve } = closeAfterEach();

interface Running {
  url: string;
  endpoint: EventsEndpoint;
  items: Subject<FeedItem>;
  /** The feed.sample calls: topic and maxAgeMs. */
  sampled: [Topic, number][];
}

/** The endpoint alone in the agent's express app, on an ephemeral loopback port, over a feed of load and memory. */
async function start(config: Record<string, unknown> = {}, { metrics, logger = silentLogger() }: { metrics?: Registry; logger?: Logger } = {}): Promise<Running> {
  const items = new Subject<FeedItem>();
  const sampled: [Topic, number][] = [];
  const feed: Feed = {
    items$: items,
    topics: ['load', 'memory'],
    intervals: INTERVALS,
    latest: () => undefined,
    status: () => [],
    read: async () => undefined,
    sample: async (topic, maxAgeMs) => void sampled.push([topic, maxAgeMs]),
    live: () => NEVER,
    stop: () => items.complete(),
  };
  const parsed = parseConfig(config, 'test.json');
  const endpoint = eventsEndpoint({ config: parsed, feed, source: 'procfs', inventory: FAKE_INVENTORY, version: '9.8.7', boot: BOOT, logger, metrics });
  const url = await serve(createApp([endpoint], logger, parsed.trustProxy), endpoint);
  return { url, endpoint, items, sampled };
}

/** A JSON body, as far as these tests read it. */
const jsonOf = async (res: Response) => (await res.json()) as { error?: string; latest?: unknown; $schema?: string; $defs?: Record<string, unknown> };

/** The events of a stream as `type id`. */
const eventsOf = (stream: RawStream) => stream.events().map((e) => `${e.event} ${e.id}`);

describe('GET /events', () => {
  it('opens a stream with the head EventSource and proxies need, a retry, a hello, then the live events', async () => {
    const { url, items } = await start({ sse: { retry: '1500ms' } });
    const stream = await open(`${url}/events`);
    expect(stream.status).toBe(200);
    // WHATWG: the stream is text/event-stream, always UTF-8; caches and transforming proxies must keep out of it.
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['transfer-encoding']).toBe('chunked');
    const [hello] = await stream.waitFor(isEvent('hello'));
    expect(stream.received[0]).toEqual({ kind: 'retry', ms: 1500 });
    expect(hello).toMatchObject({ id: `${BOOT}-0` });
    expect(JSON.parse(hello.kind === 'event' ? hello.data : '')).toEqual({
      agent: '9.8.7',
      host: 'fake-host',
      boot: BOOT,
      source: 'procfs',
      os: { platform: 'linux', distro: 'Test Linux 1', kernel: '6.1.0-test', arch: 'x86_64' },
      cpu: { model: 'Test CPU', cores: 2 },
      bootTs: 1_700_000_000_000,
      intervals: INTERVALS,
      topics: ['load', 'memory'],
      // history.enabled is on by default: GET /api/history answers.
      history: true,
    });
    items.next(load(1));
    const [event] = await stream.waitFor(isEvent('load'));
    expect(event).toEqual({ kind: 'event', event: 'load', id: `${BOOT}-1`, data: JSON.stringify(load(1).data) });
  });

  it('takes ?topics=, and answers an unknown or malformed query with a 400 that names it', async () => {
    const { url, items } = await start();
    const stream = await open(`${url}/events?topics=memory`);
    await stream.waitFor(isEvent('hello'));
    items.next(load(1));
    items.next(memory(2));
    await stream.waitFor(isEvent('memory'));
    expect(eventsOf(stream)).toEqual([`hello ${BOOT}-0`, `memory ${BOOT}-2`]);
    expect(JSON.parse(stream.events('hello')[0]!.data).topics).toEqual(['memory']);
    const bad = await fetch(`${url}/events?topics=gpu`, { headers: { Accept: 'text/event-stream' } });
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error).toMatch(/^topics: unknown topic "gpu"/);
    const badId = await fetch(`${url}/events?lastEventId=42`, { headers: { Accept: 'text/event-stream' } });
    expect(badId.status).toBe(400);
    expect((await jsonOf(badId)).error).toMatch(/^lastEventId: /);
  });

  it('resumes from Last-Event-ID, which wins over ?lastEventId=; a header it cannot read gets a reset, not an error', async () => {
    const { url, items } = await start();
    items.next(load(1));
    items.next(memory(2));
    items.next(load(3));
    const fromHeader = await open(`${url}/events?lastEventId=${BOOT}-2`, { 'Last-Event-ID': `${BOOT}-1` });
    await fromHeader.waitFor(isEvent(), 3);
    expect(eventsOf(fromHeader)).toEqual([`hello ${BOOT}-1`, `memory ${BOOT}-2`, `load ${BOOT}-3`]);
    const fromQuery = await open(`${url}/events?lastEventId=${BOOT}-2`);
    await fromQuery.waitFor(isEvent(), 2);
    expect(eventsOf(fromQuery)).toEqual([`hello ${BOOT}-2`, `load ${BOOT}-3`]);
    const unreadable = await open(`${url}/events`, { 'Last-Event-ID': 'not-an-id' });
    expect(unreadable.status).toBe(200);
    const [reset] = await unreadable.waitFor(isEvent('reset'));
    expect(JSON.parse(reset.kind === 'event' ? reset.data : '')).toEqual({ reason: 'unknown-id', boot: BOOT });
  });

  it('answers HEAD with the stream head and no stream: no client is held', async () => {
    const { url, endpoint } = await start();
    const res = await fetch(`${url}/events`, { method: 'HEAD', headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(endpoint.stats().clients).toBe(0);
  });

  it('ends every stream on close, and then tells EventSource to come back after its retry', async () => {
    const { url, endpoint } = await start({ sse: { retry: '3s' } });
    const before = await open(`${url}/events`);
    await before.waitFor(isEvent('hello'));
    endpoint.close?.();
    await before.ended;
    expect(before.complete()).toBe(true);
    const after = await open(`${url}/events`);
    await after.ended;
    // WHATWG: only a 200 text/event-stream keeps EventSource reconnecting; the retry sets when.
    expect(after.status).toBe(200);
    expect(after.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(after.received).toEqual([{ kind: 'retry', ms: 3000 }]);
    expect(after.complete()).toBe(true);
  });

  it('checks events against the contract in tests and at log level debug, not otherwise', async () => {
    const env = process.env.NODE_ENV;
    const devNull = new Writable({ write: (_chunk, _encoding, done) => done() });
    const broken = { ...load(1), data: { ts: 1, load1: -1, load5: 0, load15: 0 } } as FeedItem;
    const sent = async (nodeEnv: string, level: string) => {
      process.env.NODE_ENV = nodeEnv;
      try {
        const { url, items } = await start({}, { logger: pino({ level }, devNull) });
        const stream = await open(`${url}/events?topics=load`);
        await stream.waitFor(isEvent('hello'));
        items.next(broken);
        items.next(load(2));
        await stream.waitFor(isEvent('load'));
        return stream.events('load').map((e) => JSON.parse(e.data).ts);
      } finally {
        process.env.NODE_ENV = env;
      }
    };
    expect(await sent('test', 'info')).toEqual([2]);
    expect(await sent('production', 'debug')).toEqual([2]);
    expect(await sent('production', 'info')).toEqual([1, 2]);
  });
});

describe('beyond the limits', () => {
  beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0.999));
  afterEach(() => jest.restoreAllMocks());

  it('at sse.maxClients: EventSource gets a 200 with retry and a busy event, other clients a 503 with Retry-After', async () => {
    const { url } = await start({ sse: { maxClients: 1, busyRetry: '10s' } });
    await (await open(`${url}/events`)).waitFor(isEvent('hello'));
    const refused = await open(`${url}/events`, { 'Last-Event-ID': `${BOOT}-0` });
    await refused.ended;
    expect(refused.status).toBe(200);
    const retry = refused.received[0];
    expect(retry).toEqual({ kind: 'retry', ms: expect.any(Number) });
    const retryMs = retry!.kind === 'retry' ? retry.ms : 0;
    expect(retryMs).toBeGreaterThanOrEqual(10_000);
    expect(retryMs).toBeLessThan(15_000);
    expect(refused.events()).toEqual([{ kind: 'event', event: 'busy', id: `${BOOT}-0`, data: JSON.stringify({ retryMs, clients: 1 }) }]);

    for (const accept of ['application/json', '*/*', 'text/event-stream;q=0']) {
      const res = await fetch(`${url}/events`, { headers: { Accept: accept } });
      expect(res.status).toBe(503);
      // RFC 9110 Retry-After: whole seconds, here no sooner than an EventSource would be told.
      expect(Number(res.headers.get('retry-after'))).toBe(Math.ceil(retryMs / 1000));
      expect(await res.json()).toEqual({ error: 'at the limit of 1 SSE clients: retry later' });
    }
  });

  it('at sse.maxClientsPerAddress: the same answers, naming the per-address limit', async () => {
    const { url } = await start({ sse: { maxClientsPerAddress: 1 } });
    await (await open(`${url}/events`)).waitFor(isEvent('hello'));
    const refused = await open(`${url}/events`);
    await refused.ended;
    expect(refused.events().map((e) => e.event)).toEqual(['busy']);
    const res = await fetch(`${url}/events`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'at the limit of 1 SSE clients from one address: retry later' });
  });
});

describe('whether a request is an EventSource one (Accept, RFC 9110)', () => {
  // RFC 9110 12.4.2: the weight is the parameter named q; another whose name ends in q (seq=0) weighs nothing.
  it.each(['text/event-stream', 'Text/Event-Stream', 'text/html, text/event-stream', 'text/event-stream ; q=0.5', 'text/event-stream;q=0.001', 'text/event-stream;Q=1', 'text/event-stream;seq=0'])(
    'takes %j',
    (accept) => expect(acceptsEventStream(accept)).toBe(true),
  );
  it.each([undefined, '', '*/*', 'text/*', 'application/json', 'text/event-stream;q=0', 'text/event-stream; q=0.000', 'text/event-streams', 'xtext/event-stream'])(
    'refuses %j',
    (accept) => expect(acceptsEventStream(accept)).toBe(false),
  );
});

describe('GET /api/snapshot and /api/schema', () => {
  it('reads each asked topic unless its sample is younger than its interval, then gives the latest', async () => {
    const { url, items, sampled } = await start();
    items.next(memory(7));
    const res = await fetch(`${url}/api/snapshot?topics=memory`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(sampled).toEqual([['memory', 5000]]);
    expect(await res.json()).toEqual({ boot: BOOT, id: `${BOOT}-1`, latest: { memory: memory(7).data }, failing: {} });
    const all = await fetch(`${url}/api/snapshot`);
    expect(sampled.slice(1)).toEqual([
      ['load', 1000],
      ['memory', 5000],
    ]);
    expect((await jsonOf(all)).latest).toEqual({ memory: memory(7).data });
    const bad = await fetch(`${url}/api/snapshot?lastEventId=${BOOT}-1`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'unknown query parameter "lastEventId"; this endpoint takes topics' });
  });

  it("serves the JSON Schema of every event type but the topics the agent does not sample, and takes no query", async () => {
    const { url } = await start();
    const res = await fetch(`${url}/api/schema`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const schema = await jsonOf(res);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // This feed samples load and memory only (see start()).
    const unsampled = ['cpu', 'disk', 'network', 'pressure', 'processes'];
    expect(Object.keys(schema.$defs ?? {}).sort()).toEqual(Object.keys(eventSchemas).filter((type) => !unsampled.includes(type)).sort());
    const bad = await fetch(`${url}/api/schema?topics=load`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'unknown query parameter "topics"; this endpoint takes none' });
  });
});

describe('CORS and metrics', () => {
  it('lets the configured origins read /events and /api/*, and no origin by default', async () => {
    const origin = 'https://dash.example';
    const { url } = await start({ cors: { origins: [origin] } });
    const stream = await open(`${url}/events`, { Origin: origin });
    expect(stream.headers['access-control-allow-origin']).toBe(origin);
    for (const path of ['/api/snapshot', '/api/schema']) {
      expect((await fetch(`${url}${path}`, { headers: { Origin: origin } })).headers.get('access-control-allow-origin')).toBe(origin);
    }
    // Only these: another endpoint's path (here a 404) gets no CORS header from this one.
    expect((await fetch(`${url}/viewer/`, { headers: { Origin: origin } })).headers.get('access-control-allow-origin')).toBeNull();
    const closed = await start();
    expect((await fetch(`${closed.url}/api/schema`, { headers: { Origin: origin } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("serves the hub's counters in the agent's registry, each family with its HELP", async () => {
    const metrics = new Registry();
    const { url, items } = await start({ sse: { maxClients: 1 } }, { metrics });
    const stream = await open(`${url}/events`);
    await stream.waitFor(isEvent('hello'));
    items.next(load(1));
    await stream.waitFor(isEvent('load'));
    await (await fetch(`${url}/events`, { headers: { Accept: 'application/json' } })).arrayBuffer();
    await (await fetch(`${url}/events`, { headers: { Accept: 'application/json' } })).arrayBuffer();
    const families = parseExposition(await metrics.metrics());
    const samples = (name: string) => families.get(name)?.samples.map(({ labels, value }) => ({ labels, value }));
    expect(samples('hostfeed_sse_clients')).toEqual([{ labels: {}, value: 1 }]);
    expect(samples('hostfeed_sse_events_sent_total')).toEqual([{ labels: {}, value: 2 }]);
    expect(samples('hostfeed_sse_clients_cut_total')).toEqual([
      { labels: { reason: 'slow' }, value: 0 },
      { labels: { reason: 'stall' }, value: 0 },
    ]);
    expect(samples('hostfeed_sse_clients_refused_total')).toEqual([
      { labels: { reason: 'max_clients' }, value: 2 },
      { labels: { reason: 'per_address' }, value: 0 },
    ]);
    // Read twice: a counter copied from the hub is set to its total, not added to.
    expect(parseExposition(await metrics.metrics()).get('hostfeed_sse_clients_refused_total')?.samples[0]?.value).toBe(2);
    for (const family of families.values()) expect(family.help).toMatch(/^hostfeed: \S/);
  });
});
