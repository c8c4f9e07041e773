/**
 * The viewer's feed logic (viewer/feed.js, the module the browser runs) in Node: an EventSource stand-in the test
 * drives and a stubbed fetch of /api/snapshot. What it must agree with is the agent: ids are `<boot>-<seq>`, one
 * sequence per boot over every topic, and hello carries the connection's resume point (docs/events.md, "Ids and
 * resuming"); the backfill point must be one the agent's own replay ring (agent/sse/ring.ts) serves.
 */
import { createReplayRing } from '../../agent/sse/ring';
import { TOPICS, type EventType } from '../../agent/events';
import { connectFeed } from '../../viewer/feed.js';
import { until } from '../helpers/until';

/** What feed.js uses of the browser's EventSource; `emit` is the agent sending an event. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.OPEN;
  private readonly listeners = new Map<string, ((event: { data?: string; lastEventId?: string }) => void)[]>();

  constructor(readonly url: URL) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(type: string, listener: (event: { data?: string; lastEventId?: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }

  emit(type: EventType, id: string, data: Record<string, unknown> = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data: JSON.stringify(data), lastEventId: id });
  }
}

const BASE = new URL('http://agent.test:9780/');
const HELLO = { intervals: { cpu: 1000, memory: 1000, disk: 5000, load: 5000 } };
const EVENT_TYPES: EventType[] = ['hello', 'cpu', 'memory', 'disk', 'load', 'collector-error', 'reset', 'busy'];

let fetched: string[];
let snapshot: () => Promise<Response>;

beforeEach(() => {
  FakeEventSource.opened = [];
  fetched = [];
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    fetched.push(String(input));
    return snapshot();
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  delete (globalThis as { EventSource?: unknown }).EventSource;
});

const answering = (body: unknown, status = 200) => () => Promise.resolve(new Response(JSON.stringify(body), { status }));

/** Connects as the page does, and resolves with the source it opened (after the snapshot) and the statuses seen. */
async function connect(ringSize = 1024) {
  const statuses: { missed: number; state: string }[] = [];
  const received: [EventType, unknown][] = [];
  const handlers = Object.fromEntries(EVENT_TYPES.map((type) => [type, (data: unknown) => received.push([type, data])]));
  connectFeed(BASE, ringSize, handlers as never, (status: { missed: number; state: string }) => statuses.push(status));
  await until('the EventSource opened', async () => FakeEventSource.opened.length, (count) => count === 1);
  const source = FakeEventSource.opened[0]!;
  return { source, received, missed: () => statuses.at(-1)?.missed ?? 0, resumeFrom: () => source.url.searchParams.get('lastEventId') };
}

/** Connects to an agent whose snapshot is at `id` (of boot ab12). */
function connectAt(id: string) {
  snapshot = answering({ boot: 'ab12', id, latest: {}, failing: {} });
  return connect();
}

describe('the missed-event count, read from the ids', () => {
  it('is 0 while the seqs after the hello run on by one, whatever the topics', async () => {
    const { source, missed } = await connectAt('ab12-40');
    source.emit('hello', 'ab12-0', HELLO);
    TOPICS.forEach((topic, i) => source.emit(topic, `ab12-${i + 1}`));
    source.emit('collector-error', 'ab12-5', { collector: 'disk' });
    source.emit('cpu', 'ab12-6');
    expect(missed()).toBe(0);
  });

  it('counts the seqs skipped between two events, collector errors included in the sequence', async () => {
    const { source, missed } = await connectAt('ab12-40');
    source.emit('hello', 'ab12-40', HELLO);
    source.emit('cpu', 'ab12-41');
    source.emit('memory', 'ab12-44'); // 42 and 43 never came
    expect(missed()).toBe(2);
    source.emit('collector-error', 'ab12-45', { collector: 'load' });
    source.emit('load', 'ab12-47'); // 46
    expect(missed()).toBe(3);
  });

  it('counts what a hello skips when the stream came back past the page (a reconnection that lost its Last-Event-ID)', async () => {
    const { source, missed } = await connectAt('ab12-10');
    source.emit('hello', 'ab12-10', HELLO);
    source.emit('cpu', 'ab12-11');
    // EventSource reconnected by itself: resumed where the page was, nothing is missed...
    source.emit('hello', 'ab12-11', HELLO);
    source.emit('cpu', 'ab12-12');
    expect(missed()).toBe(0);
    // ...resumed further on, 13 to 16 are.
    source.emit('hello', 'ab12-16', HELLO);
    source.emit('cpu', 'ab12-17');
    expect(missed()).toBe(4);
  });

  it('does not count the latest of each topic (seqs at or below the resume point), nor a new boot, as a gap', async () => {
    const { source, missed } = await connectAt('ab12-30');
    source.emit('hello', 'ab12-30', HELLO);
    // A fresh start: the newest event of each topic, numbered at or below the hello's.
    for (const [topic, seq] of [['load', 21], ['disk', 25], ['memory', 29], ['cpu', 30]] as const) source.emit(topic, `ab12-${seq}`);
    source.emit('cpu', 'ab12-31');
    expect(missed()).toBe(0);
    // The agent restarted: its numbering starts again under a new boot.
    source.emit('hello', 'cd34-3', HELLO);
    source.emit('reset', 'cd34-3', { reason: 'other-boot', boot: 'cd34' });
    source.emit('cpu', 'cd34-4');
    expect(missed()).toBe(0);
  });
});

describe('the backfill point', () => {
  /** The agent's ring after `published` events, as its snapshot then reports it. */
  function agentRing(capacity: number, published: number) {
    const ring = createReplayRing(capacity);
    const publish = (count: number) => {
      for (let i = 0; i < count; i++) ring.push({ seq: ring.lastSeq + 1, topic: TOPICS[ring.lastSeq % TOPICS.length]!, frame: Buffer.alloc(0) });
    };
    publish(published);
    return { ring, publish, id: `beef-${ring.lastSeq}` };
  }

  it.each([64, 1024])('is served by the agent (ring of %i) without a too-old reset, as the ring moves on, and replays most of it', async (capacity) => {
    const agent = agentRing(capacity, 5000);
    snapshot = answering({ boot: 'beef', id: agent.id, latest: {}, failing: {} });
    const { resumeFrom } = await connect(capacity);
    expect(fetched).toEqual(['http://agent.test:9780/api/snapshot']);
    const point = /^beef-(\d+)$/.exec(resumeFrom() ?? '');
    expect(point).not.toBeNull();
    // Samples published between the snapshot and the connection: a second's worth at the default intervals.
    agent.publish(4);
    const replay = agent.ring.since(Number(point![1]), new Set(TOPICS));
    if (replay.kind !== 'missed') throw new Error(`the agent answers ${replay.kind}`);
    expect(replay.entries.length).toBeGreaterThanOrEqual(capacity / 2);
  });

  it("is the agent's first event when the ring has held everything so far", async () => {
    const agent = agentRing(1024, 100);
    snapshot = answering({ boot: 'beef', id: agent.id, latest: {}, failing: {} });
    const { resumeFrom } = await connect(1024);
    expect(resumeFrom()).toBe('beef-0');
    const replay = agent.ring.since(0, new Set(TOPICS));
    expect(replay.kind === 'missed' && replay.entries.length).toBe(100);
  });

  it.each([
    ['the snapshot is refused', answering({ error: 'authentication required' }, 401)],
    ['the agent cannot be reached', () => Promise.reject(new TypeError('fetch failed'))],
    ['the snapshot has no id the page can read', answering({ boot: 'beef', id: 'yesterday', latest: {}, failing: {} })],
  ])('is none (a fresh start) when %s', async (_, answer) => {
    snapshot = answer;
    const { source, resumeFrom } = await connect();
    expect(resumeFrom()).toBeNull();
    expect(source.url.href).toBe('http://agent.test:9780/events');
  });
});
