import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Observable, Subject } from 'rxjs';
import { parseConfig } from '../../agent/config';
import type { Topic } from '../../agent/events';
import { silentLogger } from '../../agent/logger';
import type { FeedItem } from '../../agent/samples';
import { createHub, type Hub } from '../../agent/sse/hub';
import type { ResumeRequest } from '../../agent/sse/ids';

/**
 * What the hub uses of a ServerResponse and of its socket, in one object (the hub writes the preamble to the response
 * and live events to the socket); unsent bytes pile up while `reading` is false.
 */
class FakeResponse extends EventEmitter {
  chunks: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  writableEnded = false;
  reading = true;
  chunkedEncoding = false;
  get socket(): this {
    return this;
  }
  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    if (!this.reading) this.writableLength += chunk.length;
    return true;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  /** `event id` of each event written, in order. */
  events(): string[] {
    return [...this.text().matchAll(/^event: (.*)\nid: (.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  }
}

const BOOT = 'b007';
const HELLO = {
  agent: '0.1.0',
  host: 'h',
  boot: BOOT,
  source: 'procfs' as const,
  os: { platform: 'linux', distro: 'd', kernel: 'k', arch: 'x86_64' },
  cpu: { model: 'm', cores: 1 },
  bootTs: 0,
  intervals: { load: 1000, memory: 1000 },
  history: false,
};
const load = (ts: number): FeedItem => ({ topic: 'load', data: { ts, load1: 1, load5: 1, load15: 1 }, raw: { load1: 1, load5: 1, load15: 1 } });
const memory = (ts: number): FeedItem => ({
  topic: 'memory',
  data: { ts, totalBytes: 2, availableBytes: 1, usedBytes: 1, usedRatio: 0.5, freeBytes: 1, buffersBytes: 0, cachedBytes: 0, swapTotalBytes: 0, swapFreeBytes: 0, swapUsedBytes: 0 },
  raw: {},
});
const failure = (ts: number, collector: Topic): FeedItem => ({ topic: 'collector-error', data: { ts, collector, message: 'boom', consecutive: 1 } });

const hubs: Hub[] = [];
afterEach(() => hubs.splice(0).forEach((hub) => hub.close()));

function setup(sse: Record<string, unknown> = {}) {
  const items = new Subject<FeedItem>();
  const logger = silentLogger();
  /** Live subscriptions the hub holds on each topic. */
  const watched: Partial<Record<Topic, number>> = {};
  const live = (topic: Topic) =>
    new Observable<never>(() => {
      watched[topic] = (watched[topic] ?? 0) + 1;
      return () => (watched[topic] = watched[topic]! - 1);
    });
  const hub = createHub({ boot: BOOT, items$: items, live, checkEvents: true, hello: HELLO, sse: parseConfig({ sse }, 'test').sse, logger });
  hubs.push(hub);
  const connect = (topics: Topic[] = ['load', 'memory'], resume: ResumeRequest = { kind: 'fresh' }) => {
    const res = new FakeResponse();
    hub.stream(res as unknown as ServerResponse, topics, resume);
    return res;
  };
  return { items, hub, connect, logger, watched };
}

describe('SSE hub', () => {
  it('writes each event as one Buffer, the same object to every client of its topic', () => {
    const { items, connect, hub } = setup();
    const [a, b, loadOnly] = [connect(), connect(), connect(['load'])];
    items.next(memory(1));
    items.next(load(2));
    expect(a.chunks.at(-2)).toBe(b.chunks.at(-2));
    expect(a.chunks.at(-1)).toBe(b.chunks.at(-1));
    expect(a.chunks.at(-1)).toBe(loadOnly.chunks.at(-1));
    expect(loadOnly.events()).toEqual(['hello b007-0', 'load b007-2']);
    expect(hub.stats()).toMatchObject({ clients: 3, eventsPublished: 2, eventsSent: 3 + 5 });
  });

  it('frames nothing while nobody watches; a client that resumes later gets every missed event, framed once for all', () => {
    const frame: typeof import('../../agent/sse/frame') = require('../../agent/sse/frame');
    const stringified = jest.spyOn(frame, 'eventFrame');
    try {
      const { items, connect } = setup();
      items.next(load(1));
      items.next(memory(2));
      items.next(load(3));
      expect(stringified).not.toHaveBeenCalled();
      const from = { kind: 'from', id: { boot: BOOT, seq: 0 } } as const;
      const [a, b] = [connect(['load', 'memory'], from), connect(['load', 'memory'], from)];
      expect(a.events()).toEqual(['hello b007-0', 'load b007-1', 'memory b007-2', 'load b007-3']);
      expect(a.text()).toContain('event: memory\nid: b007-2\ndata: {"ts":2,"totalBytes":2,');
      for (let i = 1; i <= 3; i++) expect(b.chunks.at(-i)).toBe(a.chunks.at(-i));
      // Three events and two hellos: each event framed once, whoever wrote it.
      expect(stringified.mock.calls.map(([type]) => type).sort()).toEqual(['hello', 'hello', 'load', 'load', 'memory']);
    } finally {
      stringified.mockRestore();
    }
  });

  it('starts a new client with retry, a hello at the newest id, then the latest of its topics oldest first', () => {
    const { items, connect } = setup({ retry: '1500ms' });
    items.next(load(1));
    items.next(memory(2));
    items.next(load(3));
    const res = connect();
    expect(res.text().startsWith('retry: 1500\n\nevent: hello\nid: b007-3\n')).toBe(true);
    expect(res.events()).toEqual(['hello b007-3', 'memory b007-2', 'load b007-3']);
    items.next(memory(4));
    expect(res.events().at(-1)).toBe('memory b007-4');
  });

  it("adds a collector's current failure to the start, and routes failures to its collector's clients", () => {
    const { items, connect, hub } = setup();
    items.next(load(1));
    items.next(memory(2));
    items.next(failure(3, 'load'));
    items.next(failure(4, 'memory'));
    items.next(memory(5));
    const loadClient = connect(['load']);
    expect(loadClient.events()).toEqual(['hello b007-5', 'load b007-1', 'collector-error b007-3']);
    expect(connect(['memory']).events()).toEqual(['hello b007-5', 'memory b007-5']);
    items.next(failure(6, 'memory'));
    expect(loadClient.events().at(-1)).toBe('collector-error b007-3');
    expect(hub.snapshot(['load', 'memory'])).toEqual({
      boot: BOOT,
      id: 'b007-6',
      latest: { load: load(1).data, memory: memory(5).data },
      failing: { load: failure(3, 'load').data, memory: failure(6, 'memory').data },
    });
  });

  it('starts a client with the failure of a collector that never succeeded, and snapshots no sample of it', () => {
    const { items, connect, hub } = setup();
    items.next(failure(1, 'memory'));
    expect(connect(['memory']).events()).toEqual(['hello b007-1', 'collector-error b007-1']);
    expect(hub.snapshot(['load', 'memory'])).toEqual({ boot: BOOT, id: 'b007-1', latest: {}, failing: { memory: failure(1, 'memory').data } });
  });

  it('replays what a resuming client missed, with its own id on the hello', () => {
    const { items, connect } = setup();
    for (let ts = 1; ts <= 6; ts += 1) items.next(ts % 2 ? load(ts) : memory(ts));
    const res = connect(['load'], { kind: 'from', id: { boot: BOOT, seq: 2 } });
    expect(res.events()).toEqual(['hello b007-2', 'load b007-3', 'load b007-5']);
  });

  it.each([
    ['another boot', { kind: 'from', id: { boot: 'beef', seq: 2 } }, 'other-boot'],
    ['an unreadable header', { kind: 'unreadable' }, 'unknown-id'],
    ['an id not reached yet', { kind: 'from', id: { boot: BOOT, seq: 99 } }, 'unknown-id'],
    ['an id older than the ring', { kind: 'from', id: { boot: BOOT, seq: 1 } }, 'too-old'],
  ] as const)('resets a client resuming from %s', (_, resume, reason) => {
    const { items, connect } = setup({ replay: 3 });
    for (let ts = 1; ts <= 6; ts += 1) items.next(ts % 2 ? load(ts) : memory(ts));
    const res = connect(['load', 'memory'], resume);
    expect(res.events()).toEqual(['hello b007-6', 'reset b007-6', 'load b007-5', 'memory b007-6']);
    expect(res.text()).toContain(`data: {"reason":"${reason}","boot":"b007"}\n`);
  });

  it('cuts a client before its unsent bytes pass maxBufferedBytes, and counts it', () => {
    const { items, connect, hub } = setup({ maxBufferedBytes: 1000 });
    const stuck = connect(['load']);
    const reader = connect(['load']);
    stuck.reading = false;
    const readBefore = stuck.chunks.length;
    for (let ts = 10; ts <= 40; ts += 1) items.next(load(ts));
    expect(stuck.destroyed).toBe(true);
    // Cut at the frame that would have passed the bound, not later: the bytes written to it since it stopped reading
    // fit, and the next frame (the reader got the same one) would not have.
    const unsent = Buffer.concat(stuck.chunks.slice(readBefore)).length;
    expect(unsent).toBeLessThanOrEqual(1000);
    expect(unsent + reader.chunks[stuck.chunks.length]!.length).toBeGreaterThan(1000);
    expect(reader.events()).toHaveLength(32);
    // Sent counts what was written: nothing to the stuck client after its cut.
    expect(hub.stats()).toMatchObject({ clients: 1, clientsCut: { slow: 1 }, eventsSent: reader.events().length + stuck.events().length });
  });

  it('lets a client hold exactly maxBufferedBytes unsent, cuts it at the next frame, and logs why at debug', () => {
    const frameBytes = (ts: number) => {
      const { items, connect } = setup();
      const probe = connect(['load']);
      const before = probe.text().length;
      items.next(load(ts));
      return probe.text().length - before;
    };
    const bytes = frameBytes(10);
    expect(frameBytes(11)).toBe(bytes);
    const { items, connect, logger } = setup({ maxBufferedBytes: 3 * bytes });
    const debug = jest.spyOn(logger, 'debug');
    const stuck = connect(['load']);
    stuck.reading = false;
    for (let ts = 10; ts <= 12; ts += 1) items.next(load(ts));
    expect([stuck.destroyed, stuck.writableLength]).toEqual([false, 3 * bytes]);
    items.next(load(13));
    expect(stuck.destroyed).toBe(true);
    expect(debug).toHaveBeenCalledWith({ reason: 'slow', unsentBytes: 3 * bytes }, expect.stringContaining('SSE client cut'));
  });

  describe('a socket that does not drain', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('is cut at the first write stallTimeout after its backlog began, however small, and counted apart', () => {
      const { items, connect, hub } = setup({ stallTimeout: '1s' });
      const stuck = connect(['load']);
      const reader = connect(['load']);
      stuck.reading = false;
      items.next(load(1)); // its first unsent bytes
      jest.advanceTimersByTime(500);
      items.next(load(2)); // a backlog seen: the clock starts
      jest.advanceTimersByTime(999);
      items.next(load(3));
      expect(stuck.destroyed).toBe(false);
      jest.advanceTimersByTime(1);
      items.next(load(4));
      expect(stuck.destroyed).toBe(true);
      expect(stuck.writableLength).toBeLessThan(1000);
      expect(reader.events()).toHaveLength(5);
      expect(hub.stats()).toMatchObject({ clients: 1, clientsCut: { slow: 0, stall: 1 } });
    });

    it('is kept while it drains between writes, however slowly', () => {
      const { items, connect, hub } = setup({ stallTimeout: '1s' });
      const slow = connect(['load']);
      slow.reading = false;
      for (let ts = 1; ts <= 10; ts += 1) {
        items.next(load(ts));
        jest.advanceTimersByTime(900);
        // It empties just before the next write: each backlog lasts 900 ms.
        if (ts % 2 === 0) slow.writableLength = 0;
      }
      expect(slow.destroyed).toBe(false);
      expect(hub.stats().clientsCut).toEqual({ slow: 0, stall: 0 });
    });
  });

  it('does not send a sample that breaks the contract, and says so', () => {
    const { items, connect, hub, logger } = setup();
    const error = jest.spyOn(logger, 'error');
    const res = connect();
    items.next({ ...load(1), data: { ts: 1, load1: Number.NaN, load5: 1, load15: 1 } } as FeedItem);
    items.next(load(2));
    expect(res.events()).toEqual(['hello b007-0', 'load b007-1']);
    expect(hub.stats()).toMatchObject({ eventsPublished: 1, eventsInvalid: 1 });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ event: 'load' }), 'sample breaks the event contract: not sent');
  });

  it('writes heartbeats from one shared interval, which runs only while a client is connected', async () => {
    jest.useFakeTimers();
    try {
      const { connect } = setup({ heartbeat: '1s' });
      const [a, b] = [connect(), connect()];
      jest.advanceTimersByTime(3000);
      expect(a.text().match(/^: heartbeat$/gm)).toHaveLength(3);
      expect(b.text().match(/^: heartbeat$/gm)).toHaveLength(3);
      const withClients = jest.getTimerCount();
      a.emit('close');
      expect(jest.getTimerCount()).toBe(withClients);
      b.emit('close');
      expect(jest.getTimerCount()).toBe(withClients - 1);
      jest.advanceTimersByTime(3000);
      expect(b.text().match(/^: heartbeat$/gm)).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('holds one live subscription per topic some client takes, from its first client to its last', () => {
    const { connect, watched, hub } = setup();
    expect(watched).toEqual({});
    const both = connect(['load', 'memory']);
    const loadOnly = connect(['load']);
    expect(watched).toEqual({ load: 1, memory: 1 });
    both.emit('close');
    expect(watched).toEqual({ load: 1, memory: 0 });
    connect(['memory']);
    expect(watched).toEqual({ load: 1, memory: 1 });
    loadOnly.emit('close');
    expect(watched).toEqual({ load: 0, memory: 1 });
    hub.close();
    expect(watched).toEqual({ load: 0, memory: 0 });
  });

  it('forgets a client that goes, and on close ends every stream and leaves the feed', () => {
    const { items, connect, hub } = setup();
    const [gone, staying] = [connect(), connect()];
    gone.emit('close');
    expect(gone.listenerCount('close')).toBe(0);
    expect(hub.stats().clients).toBe(1);
    items.next(load(1));
    expect(gone.events()).toEqual(['hello b007-0']);
    hub.close();
    expect(staying.writableEnded).toBe(true);
    expect(staying.listenerCount('close')).toBe(0);
    expect(hub.stats().clients).toBe(0);
    expect(items.observed).toBe(false);
    expect(hub.admission()).toBe('closed');
  });

  it('admits up to maxClients, then refuses with a jittered retry and the client\'s own id', () => {
    const { connect, hub } = setup({ maxClients: 1, busyRetry: '10s' });
    expect(hub.admission()).toBe('open');
    connect();
    expect(hub.admission()).toBe('full');
    const fresh = hub.refuse({ kind: 'fresh' });
    expect(fresh.retryMs).toBeGreaterThanOrEqual(10_000);
    expect(fresh.retryMs).toBeLessThan(15_000);
    expect(fresh.body.toString()).toBe(`retry: ${fresh.retryMs}\n\nevent: busy\nid: b007-0\ndata: {"retryMs":${fresh.retryMs},"clients":1}\n\n`);
    expect(hub.refuse({ kind: 'from', id: { boot: 'beef', seq: 7 } }).body.toString()).toContain('id: beef-7\n');
  });

  it.each([
    [0, 10_000],
    [0.5, 12_500],
    [0.9999, 14_999],
  ])("spreads the busy retry over busyRetry plus up to half again: at random %d, %d ms", (random, retryMs) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    try {
      expect(setup({ busyRetry: '10s' }).hub.refuse({ kind: 'fresh' }).retryMs).toBe(retryMs);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it("writes through res.write, which frames the bytes itself, to a response whose write is not node:http's", () => {
    const { items, connect } = setup();
    // FakeResponse has its own write, as a response behind compression middleware has: no raw socket path for it.
    const res = connect(['load']);
    items.next(load(1));
    expect(res.events()).toEqual(['hello b007-0', 'load b007-1']);
    expect(res.chunks.at(-1)!.toString()).toMatch(/^event: load\nid: b007-1\ndata: .*\n\n$/);
  });

  it('ends a response that has no socket yet (pipelined behind another request) and does not register it', () => {
    const { hub } = setup();
    const res = new FakeResponse();
    Object.defineProperty(res, 'socket', { value: null });
    hub.stream(res as unknown as ServerResponse, ['load'], { kind: 'fresh' });
    expect([res.chunks, res.writableEnded, hub.stats().clients]).toEqual([[], true, 0]);
  });

  it('does not register a response that closed before its stream started', () => {
    const { connect, hub } = setup();
    const res = new FakeResponse();
    res.destroyed = true;
    hub.stream(res as unknown as ServerResponse, ['load'], { kind: 'fresh' });
    expect(res.chunks).toEqual([]);
    expect(hub.stats().clients).toBe(0);
    connect();
    expect(hub.stats().clients).toBe(1);
  });
});
