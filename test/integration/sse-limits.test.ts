/**
 * The bounds of /events: a client that does not read is cut at maxBufferedBytes, or once its socket has not drained for
 * stallTimeout; beyond maxClients, busy or 503.
 */
import { connect, type Socket } from 'node:net';
import { EventSource } from 'eventsource';
import type { RunningAgent } from '../../agent/agent';
import type { MountReading } from '../../agent/sources/types';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { createFakeSource, FAKE_MOUNT } from '../helpers/fake-source';
import { sseMetrics, waitForMetrics } from '../helpers/sse-metrics';
import { closeAfterEach, isEvent, seqOf } from '../helpers/sse-stream';
import { until, untilTrue } from '../helpers/until';

const { open, track } = closeAfterEach();
afterEach(stopTestAgents);

/** Asks for the stream and never reads a byte of it: the kernel buffers fill, then the agent's. */
function stuckClient(url: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
    track({ close: () => socket.destroy() });
  });
}

/** 300 mounts make each disk event about 80 KB: the kernel's socket buffers (a few MB on loopback) fill within seconds. */
function startWithBigDiskEvents(sse: Record<string, unknown>) {
  const mounts: MountReading[] = Array.from({ length: 300 }, (_, i) => ({ ...FAKE_MOUNT, mountpoint: `/srv/volume-${i}`, device: `/dev/vd${i}` }));
  const fake = createFakeSource();
  return startTestAgent({ collectors: { disk: { interval: '20ms' } }, sse }, { ...fake.source, mounts: async () => mounts });
}

describe('a client that does not read', () => {
  it('is cut once its unsent bytes would pass maxBufferedBytes, while a reading client gets every event', async () => {
    const agent = await startWithBigDiskEvents({ maxBufferedBytes: 256 * 1024 });
    const fast = await open(`${agent.url}/events`);
    await stuckClient(agent.url, '/events?topics=disk');
    await waitForMetrics(agent.url, (m) => m.clients === 2);

    const cut = await waitForMetrics(agent.url, (m) => m.cutSlow === 1);
    expect(cut).toMatchObject({ clients: 1, cutStall: 0 });
    // The reader keeps going, and has missed nothing from its hello on.
    const seenAtCut = fast.events().length;
    await fast.waitFor(isEvent(), seenAtCut + 20);
    const [hello, ...events] = fast.events();
    const live = events.map((e) => seqOf(e.id)).filter((seq) => seq > seqOf(hello.id));
    expect(live.length).toBeGreaterThan(20);
    expect(live).toEqual(live.map((_, i) => seqOf(hello.id) + 1 + i));
    expect(fast.events('disk').length).toBeGreaterThan(10);
  });

  it('is cut once its socket has not drained for stallTimeout, far below maxBufferedBytes, while a reading client stays', async () => {
    const agent = await startWithBigDiskEvents({ maxBufferedBytes: 1024 * 1024 * 1024, stallTimeout: '500ms' });
    const fast = await open(`${agent.url}/events`);
    await stuckClient(agent.url, '/events?topics=disk');
    await waitForMetrics(agent.url, (m) => m.clients === 2);

    const cut = await waitForMetrics(agent.url, (m) => m.cutStall === 1, 20_000);
    expect(cut).toMatchObject({ clients: 1, cutSlow: 0 });
    const seenAtCut = fast.events('disk').length;
    await fast.waitFor(isEvent('disk'), seenAtCut + 10);
  });
});

describe('a client that stopped reading, with nothing but heartbeats to send', () => {
  /** The agent's hostfeed_sse_* counters, read in-process: a scrape would wait on the disk read this test holds. */
  async function counted(agent: RunningAgent, name: string, reason?: string): Promise<number> {
    const { values } = await agent.context.metrics!.getSingleMetric(name)!.get();
    return values.find((v) => reason === undefined || v.labels.reason === reason)?.value ?? 0;
  }

  it('is cut by the heartbeat written stallTimeout after its backlog began', async () => {
    // Disk events of 2000 mounts (about half a megabyte each), and a disk read the test can hold.
    const mounts: MountReading[] = Array.from({ length: 2000 }, (_, i) => ({ ...FAKE_MOUNT, mountpoint: `/srv/volume-${i}`, device: `/dev/vd${i}` }));
    const fake = createFakeSource();
    let release: (() => void) | undefined;
    const held = () => new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const source = { ...fake.source, mounts: async () => (holding && (await held()), mounts) };
    const agent = await startTestAgent(
      // Live disk sampling once an hour, its read held for longer than the test: after its replay, the client is
      // sent nothing but heartbeats.
      { collectors: { disk: { interval: '1h', timeout: '1m' } }, sse: { heartbeat: '100ms', stallTimeout: '300ms', maxBufferedBytes: 1024 ** 3 } },
      source,
    );
    // The agent's end of each connection, by the client's port, with whether it has closed (watched from the start:
    // the cut may come before the test looks).
    const accepted = new Map<number, { socket: Socket; closed: boolean }>();
    agent.server.on('connection', (socket: Socket) => {
      const entry = { socket, closed: false };
      accepted.set(socket.remotePort!, entry);
      socket.once('close', () => (entry.closed = true));
    });
    try {
      // 16 disk events in the replay ring, about 8 MB: more than a loopback connection whose reader reads nothing
      // takes into its kernel buffers (checked below, as a condition: some bytes are left unsent).
      for (let i = 0; i < 16; i++) await agent.feed.read('disk', 0);
      holding = true;

      const stuck = await stuckClient(agent.url, `/events?topics=disk&lastEventId=${agent.context.boot}-0`);
      const server = (await until('the stuck client accepted', async () => accepted.get(stuck.localPort!), (entry) => entry !== undefined))!;
      // Bytes the kernel would not take (or already cut for them, which the counters below tell).
      await untilTrue('the replay to outgrow the kernel buffers', async () => server.closed || server.socket.writableLength > 0);
      const sentBefore = await counted(agent, 'hostfeed_sse_events_sent_total');

      await untilTrue('the stuck client cut', async () => server.closed);
      expect(await counted(agent, 'hostfeed_sse_clients_cut_total', 'stall')).toBe(1);
      expect(await counted(agent, 'hostfeed_sse_clients_cut_total', 'slow')).toBe(0);
      // No event was written to it (or anyone) since its replay: the write that found it stalled was a heartbeat.
      expect(await counted(agent, 'hostfeed_sse_events_sent_total')).toBe(sentBefore);
    } finally {
      holding = false;
      release?.();
    }
  });
});

describe('beyond maxClients', () => {
  it('tells an EventSource request to come back later with 200, retry and a busy event, and others 503 with Retry-After', async () => {
    const agent = await startTestAgent({ sse: { maxClients: 2, busyRetry: '200ms' } });
    const [first] = [await open(`${agent.url}/events`), await open(`${agent.url}/events`)];
    await first.waitFor(isEvent('hello'));
    await waitForMetrics(agent.url, (m) => m.clients === 2);

    const busy = await open(`${agent.url}/events`);
    expect(busy.status).toBe(200);
    expect(busy.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await busy.ended;
    const match = /^retry: (\d+)\n\nevent: busy\nid: ([0-9a-f]+-0)\ndata: (.*)\n\n$/.exec(busy.text());
    expect(match).not.toBeNull();
    const retryMs = Number(match![1]);
    expect(retryMs).toBeGreaterThanOrEqual(200);
    expect(retryMs).toBeLessThanOrEqual(300);
    expect(match![2]).toBe(`${agent.context.boot}-0`);
    expect(JSON.parse(match![3])).toEqual({ retryMs, clients: 2 });

    // Its own id back, so that its retry resumes where it would have.
    const resuming = await open(`${agent.url}/events`, { 'Last-Event-ID': first.events()[0].id! });
    await resuming.ended;
    expect(resuming.events('busy')[0].id).toBe(first.events()[0].id);

    const res = await fetch(`${agent.url}/events`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: 'at the limit of 2 SSE clients: retry later' });
    expect((await sseMetrics(agent.url)).refused).toBe(3);
  });

  it('lets a refused EventSource in by itself once a client leaves', async () => {
    const agent = await startTestAgent({ sse: { maxClients: 1, busyRetry: '100ms' } });
    const holder = await open(`${agent.url}/events`);
    await holder.waitFor(isEvent('hello'));
    const es = track(new EventSource(`${agent.url}/events`));
    const refused = new Promise((resolve) => es.addEventListener('busy', resolve));
    const admitted = new Promise((resolve) => es.addEventListener('hello', resolve));
    await refused;
    holder.close();
    await admitted;
    expect((await sseMetrics(agent.url)).clients).toBe(1);
  });
});
