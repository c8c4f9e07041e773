/** GET /events on the real agent: typed events through the `eventsource` client (4.1.1), and the exact wire. */
import { EventSource } from 'eventsource';
import { eventSchemas, eventsJsonSchema, snapshotSchema, TOPICS, type EventType } from '../../agent/events';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { closeAfterEach, everyTopicSeen, isEvent, seqOf } from '../helpers/sse-stream';

const { open, track } = closeAfterEach();
afterEach(stopTestAgents);

describe('GET /events', () => {
  it('gives the eventsource client a hello, then typed events it listens to by name, each valid and with an id', async () => {
    const agent = await startTestAgent();
    const es = track(new EventSource(`${agent.url}/events`));
    const got: { type: string; data: unknown; lastEventId: string }[] = [];
    const unnamed: unknown[] = [];
    es.onmessage = (event) => unnamed.push(event.data);
    const done = new Promise<void>((resolve, reject) => {
      es.addEventListener('error', () => reject(new Error('EventSource error')));
      for (const type of Object.keys(eventSchemas)) {
        es.addEventListener(type, (event) => {
          got.push({ type, data: JSON.parse(event.data), lastEventId: event.lastEventId });
          if (TOPICS.every((topic) => got.filter((g) => g.type === topic).length >= 2)) resolve();
        });
      }
    });
    await done;
    expect(got[0].type).toBe('hello');
    expect(got[0].data).toMatchObject({ agent: expect.any(String), host: 'fake-host', boot: agent.context.boot, source: 'procfs', topics: [...TOPICS] });
    expect(got[0].data).toMatchObject({ os: { platform: 'linux', distro: 'Test Linux 1', kernel: '6.1.0-test', arch: 'x86_64' }, bootTs: 1_700_000_000_000 });
    for (const { type, data, lastEventId } of got) {
      expect(eventSchemas[type as EventType].safeParse(data).error).toBeUndefined();
      expect(lastEventId).toMatch(new RegExp(`^${agent.context.boot}-\\d+$`));
    }
    expect(unnamed).toEqual([]);
    expect(got.filter((g) => g.type === 'hello')).toHaveLength(1);
  });

  it('writes the headers and the exact structure: retry, hello, then events with event, id and one data line', async () => {
    const agent = await startTestAgent({ sse: { retry: '1500ms', heartbeat: '200ms' } });
    const stream = await open(`${agent.url}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    expect(stream.headers['content-encoding']).toBeUndefined();
    await stream.waitFor(isEvent(), 20);
    await stream.waitFor((item) => item.kind === 'comment');
    expect(stream.text()).toMatch(/^retry: 1500\n\nevent: hello\nid: [0-9a-f]{6}-\d+\ndata: \{[^\n]*\}\n\n/);
    // Every block of the body is a comment, a retry or an event of exactly three lines.
    const blocks = stream.text().split('\n\n');
    expect(blocks.pop()).toBe('');
    for (const block of blocks) {
      expect(block).toMatch(/^(: heartbeat|retry: \d+|event: [a-z-]+\nid: [0-9a-f]{6}-\d+\ndata: \{[^\n\r]*\})$/);
    }
    expect(stream.received.filter((item) => item.kind === 'retry')).toEqual([{ kind: 'retry', ms: 1500 }]);
  });

  it('numbers events consecutively across topics after the hello, whose id is the newest before them', async () => {
    const agent = await startTestAgent();
    await everyTopicSeen(await open(`${agent.url}/events`));
    const stream = await open(`${agent.url}/events`);
    await stream.waitFor(isEvent(), 30);
    const [hello, ...rest] = stream.events();
    const helloSeq = seqOf(hello.id);
    const initial = rest.filter((e) => seqOf(e.id) <= helloSeq);
    const live = rest.filter((e) => seqOf(e.id) > helloSeq);
    // The latest of each topic first, oldest first, then the live ones from the next number on.
    expect(initial.map((e) => e.event).sort()).toEqual([...TOPICS].sort());
    expect(initial.map((e) => seqOf(e.id))).toEqual([...initial.map((e) => seqOf(e.id))].sort((a, b) => a - b));
    expect(rest.slice(0, TOPICS.length)).toEqual(initial);
    expect(live.map((e) => seqOf(e.id))).toEqual(live.map((_, i) => helloSeq + 1 + i));
  });

  it('gives a new client the latest of each topic at once, without waiting an interval', async () => {
    const agent = await startTestAgent({
      collectors: { cpu: { interval: '1m' }, memory: { interval: '1m' }, load: { interval: '1m' }, disk: { interval: '1m' } },
    });
    await everyTopicSeen(await open(`${agent.url}/events`));
    const stream = await open(`${agent.url}/events?topics=memory,load`);
    // Well within the minute the next samples are due: these can only be the latest ones, given on connect.
    await stream.waitFor(isEvent(), 3);
    expect(stream.events().map((e) => e.event)).toEqual(['hello', expect.any(String), expect.any(String)]);
    expect(stream.events().slice(1).map((e) => e.event).sort()).toEqual(['load', 'memory']);
  });

  it('sends a heartbeat comment every sse.heartbeat, never more often', async () => {
    const heartbeatMs = 200;
    const agent = await startTestAgent({
      collectors: { cpu: { interval: '1m' }, memory: { interval: '1m' }, load: { interval: '1m' }, disk: { interval: '1m' } },
      sse: { heartbeat: `${heartbeatMs}ms` },
    });
    // Taken before the request: no heartbeat of this stream can be sent earlier, however late the client reads.
    const requested = performance.now();
    const stream = await open(`${agent.url}/events`);
    await stream.waitFor((item) => item.kind === 'comment' && item.text === 'heartbeat', 3);
    // Three heartbeats are at least two intervals apart (less a millisecond a timer may fire early). The exact
    // interval is the hub's unit test's, on fake timers; a loaded machine only ever delays them.
    expect(performance.now() - requested).toBeGreaterThanOrEqual(2 * heartbeatMs - 2);
  });

  it('filters by ?topics=, collector errors included', async () => {
    const { createFakeSource } = await import('../helpers/fake-source');
    const fake = createFakeSource();
    const agent = await startTestAgent({}, fake.source);
    fake.fail('load', 'no loadavg');
    const stream = await open(`${agent.url}/events?topics=cpu,load`);
    await stream.waitFor(isEvent('cpu'), 3);
    await stream.waitFor(isEvent('collector-error'), 2);
    const [hello, ...rest] = stream.events();
    expect(JSON.parse(hello.data).topics).toEqual(['cpu', 'load']);
    for (const event of rest) expect(['cpu', 'load', 'collector-error']).toContain(event.event);
    for (const error of stream.events('collector-error')) expect(JSON.parse(error.data)).toMatchObject({ collector: 'load', message: "couldn't collect load: no loadavg" });
  });

  it.each([
    ['topics=gpu', 'topics: unknown topic "gpu"; expected a comma-separated list of cpu, memory, disk, load, network, pressure'],
    ['topics=cpu,,load', 'topics: unknown topic ""; expected a comma-separated list of cpu, memory, disk, load, network, pressure'],
    ['topics=disk', 'topics: "disk" is not enabled on this agent; enabled: cpu, memory, load, network, pressure'],
    ['topics=cpu&topics=load', 'topics: given more than once'],
    ['since=1', 'unknown query parameter "since"; this endpoint takes topics, lastEventId'],
    ['lastEventId=yesterday', 'lastEventId: expected an event id such as "7f3c2a-42", got "yesterday"'],
  ])('answers ?%s with 400 and a JSON error naming it', async (query, error) => {
    const agent = await startTestAgent({ collectors: { disk: { enabled: false } } });
    const res = await fetch(`${agent.url}/events?${query}`, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error });
  });

  it('answers HEAD with the stream headers and no stream', async () => {
    const agent = await startTestAgent();
    const res = await fetch(`${agent.url}/events`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await fetch(`${agent.url}/metrics`).then((r) => r.text())).toMatch(/^hostfeed_sse_clients 0$/m);
  });

  it('ends every stream when the agent stops', async () => {
    const agent = await startTestAgent();
    const stream = await open(`${agent.url}/events`);
    await stream.waitFor(isEvent('hello'));
    await agent.stop();
    await stream.ended;
    // Ended with the last chunk, as a server ends a response, not cut: EventSource then reconnects after `retry`.
    expect(stream.complete()).toBe(true);
  });
});

describe('GET /api/snapshot and /api/schema', () => {
  it('gives the latest of each topic and the resume point, per the contract', async () => {
    const { createFakeSource } = await import('../helpers/fake-source');
    const fake = createFakeSource();
    const agent = await startTestAgent({}, fake.source);
    const stream = await open(`${agent.url}/events`);
    await stream.waitFor(isEvent('disk'), 2);
    fake.fail('memory', 'meminfo gone');
    await stream.waitFor((item) => isEvent('collector-error')(item) && item.data.includes('meminfo gone'));
    const res = await fetch(`${agent.url}/api/snapshot`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const snapshot = snapshotSchema.parse(await res.json());
    expect(snapshot.boot).toBe(agent.context.boot);
    expect(Object.keys(snapshot.latest).sort()).toEqual([...TOPICS].sort());
    expect(snapshot.failing.memory).toMatchObject({ collector: 'memory', message: "couldn't collect memory: meminfo gone" });
    expect(snapshot.failing.cpu).toBeUndefined();

    // Resuming from the snapshot's id gives what came after it and nothing before.
    const after = await open(`${agent.url}/events?lastEventId=${snapshot.id}`);
    await after.waitFor(isEvent(), 5);
    const [hello, ...events] = after.events();
    expect(hello.id).toBe(snapshot.id);
    expect(events.map((e) => seqOf(e.id))).toEqual(events.map((_, i) => seqOf(snapshot.id) + 1 + i));

    const filtered = snapshotSchema.parse(await (await fetch(`${agent.url}/api/snapshot?topics=cpu`)).json());
    expect(Object.keys(filtered.latest)).toEqual(['cpu']);
    expect((await fetch(`${agent.url}/api/snapshot?topics=gpu`)).status).toBe(400);
    expect((await fetch(`${agent.url}/api/snapshot?lastEventId=${snapshot.id}`)).status).toBe(400);
  });

  it('serves the JSON Schema generated from agent/events.ts', async () => {
    const agent = await startTestAgent();
    const res = await fetch(`${agent.url}/api/schema`);
    expect(res.status).toBe(200);
    const schema = (await res.json()) as ReturnType<typeof eventsJsonSchema> & { $defs: Record<string, { required: string[] }> };
    expect(schema).toEqual(eventsJsonSchema());
    expect(Object.keys(schema.$defs).sort()).toEqual(Object.keys(eventSchemas).sort());
    expect(schema.$defs.cpu.required).toEqual(expect.arrayContaining(['ts', 'usage', 'modes', 'cores']));
  });
});
