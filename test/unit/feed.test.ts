/**
 * The feed on jest's fake clock: what it reads, and when, is decided by who asks, never by how fast this machine is.
 */
import type { Subscription } from 'rxjs';
import { createFeed, type CollectorSchedule, type Feed } from '../../agent/feed';
import type { Collector } from '../../agent/collectors/types';
import { createCpuCollector } from '../../agent/collectors/cpu';
import { createLoadCollector } from '../../agent/collectors/load';
import { createMemoryCollector } from '../../agent/collectors/memory';
import type { FeedItem } from '../../agent/samples';
import { createFakeSource } from '../helpers/fake-source';

const FRESHNESS_MS = 500;
const GRACE_MS = 30_000;
const BASELINE_GAP_MS = 250;

let feed: Feed;
let seen: FeedItem[];
let subscriptions: Subscription[];

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  subscriptions = [];
});
afterEach(() => {
  subscriptions.forEach((s) => s.unsubscribe());
  feed?.stop();
  jest.useRealTimers();
});

function start(...schedules: CollectorSchedule[]): Feed {
  feed = createFeed(schedules, { freshnessMs: FRESHNESS_MS, idleGraceMs: GRACE_MS, baselineGapMs: BASELINE_GAP_MS });
  seen = [];
  subscriptions.push(feed.items$.subscribe((item) => seen.push(item)));
  return feed;
}

const watch = (topic: Parameters<Feed['live']>[0]) => {
  const subscription = feed.live(topic).subscribe();
  subscriptions.push(subscription);
  return subscription;
};
const topics = () => seen.map((item) => item.topic);

describe('feed: nothing is read unless asked', () => {
  it('reads no collector while nobody watches and nobody scrapes, and leaves no timer', async () => {
    const fake = createFakeSource();
    start({ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(fake.reads.load).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a read reads once; concurrent reads and reads within the freshness bound share it', async () => {
    const fake = createFakeSource();
    start({ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    await Promise.all([feed.read('load'), feed.read('load')]);
    expect(fake.reads.load).toBe(1);
    await jest.advanceTimersByTimeAsync(FRESHNESS_MS);
    await feed.read('load');
    expect(fake.reads.load).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await feed.read('load');
    expect(fake.reads.load).toBe(2);
    expect(topics()).toEqual(['load', 'load']);
    expect(feed.latest('load')?.data).toEqual((seen[1] as { data: unknown }).data);
  });

  it("a rate collector's read is a baseline: kept for /metrics, not published; a sample reads again after the gap", async () => {
    const fake = createFakeSource();
    start({ collector: createCpuCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    await feed.read('cpu');
    expect(feed.latest('cpu')?.raw.kind).toBe('counters');
    expect(feed.latest('cpu')?.data).toBeUndefined();
    expect(seen).toEqual([]);
    const sampled = feed.sample('cpu', 1000);
    await jest.advanceTimersByTimeAsync(BASELINE_GAP_MS);
    await sampled;
    // The read before the gap was within two minutes of the first: already a rate, no second read needed.
    expect(fake.reads.cpu).toBe(2);
    expect(topics()).toEqual(['cpu']);
  });

  it('a sample with no recent base reads twice, the baseline gap apart', async () => {
    const fake = createFakeSource();
    start({ collector: createCpuCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    let done = false;
    void feed.sample('cpu', 1000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(BASELINE_GAP_MS - 1);
    expect([fake.reads.cpu, done]).toEqual([1, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect([fake.reads.cpu, done]).toEqual([2, true]);
    expect(topics()).toEqual(['cpu']);
  });
});

describe('feed: what it says of itself', () => {
  it('lists its topics with their intervals, and refuses a topic it has no collector for, naming it', async () => {
    const fake = createFakeSource();
    start(
      { collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 },
      { collector: createMemoryCollector(fake.source), intervalMs: 5000, timeoutMs: 1000 },
    );
    expect(feed.topics).toEqual(['load', 'memory']);
    expect(feed.intervals).toEqual({ load: 1000, memory: 5000 });
    expect(feed.latest('cpu')).toBeUndefined();
    await expect(feed.read('cpu')).rejects.toThrow('no collector for cpu');
    await expect(feed.sample('cpu', 0)).rejects.toThrow('no collector for cpu');
    expect(() => feed.live('cpu')).toThrow('no collector for cpu');
  });

  it('times each attempt on the clock, a success and a timeout alike', async () => {
    // Answers after 300 ms of the fake clock, or never once `hang` is set.
    let hang = false;
    const slow: Collector<'load'> = {
      topic: 'load',
      collect: () =>
        new Promise((resolve) => {
          if (!hang) setTimeout(() => resolve({ topic: 'load', data: { ts: Date.now(), load1: 1, load5: 1, load15: 1 }, raw: { load1: 1, load5: 1, load15: 1 } }), 300);
        }),
    };
    start({ collector: slow, intervalMs: 1000, timeoutMs: 700 });
    const status = () => feed.status()[0];
    expect(status()).toEqual({ topic: 'load', lastSuccess: undefined, lastDurationSeconds: 0, errorsTotal: 0, consecutiveFailures: 0 });
    const read = feed.read('load');
    await jest.advanceTimersByTimeAsync(300);
    await read;
    expect(status()).toMatchObject({ lastSuccess: true, lastDurationSeconds: 0.3 });
    hang = true;
    await jest.advanceTimersByTimeAsync(FRESHNESS_MS + 1);
    const timedOut = feed.read('load');
    await jest.advanceTimersByTimeAsync(700);
    await timedOut;
    expect(status()).toMatchObject({ lastSuccess: false, lastDurationSeconds: 0.7, errorsTotal: 1 });
  });

  it('tells a failure that is not an Error by its text, at the time it happened, and forgets it on the next success', async () => {
    let failure: unknown = 'EACCES';
    const flaky: Collector<'load'> = {
      topic: 'load',
      collect: async () => {
        if (failure !== undefined) throw failure;
        return { topic: 'load', data: { ts: Date.now(), load1: 1, load5: 1, load15: 1 }, raw: { load1: 1, load5: 1, load15: 1 } };
      },
    };
    start({ collector: flaky, intervalMs: 1000, timeoutMs: 1000 });
    await jest.advanceTimersByTimeAsync(42);
    await feed.read('load');
    const message = "couldn't collect load: EACCES";
    expect(seen).toEqual([{ topic: 'collector-error', data: { ts: 1_000_042, collector: 'load', message, consecutive: 1 } }]);
    expect(feed.status()[0]).toMatchObject({ lastSuccess: false, lastError: message });
    failure = undefined;
    await jest.advanceTimersByTimeAsync(FRESHNESS_MS + 1);
    await feed.read('load');
    expect(feed.status()[0]).toEqual({ topic: 'load', lastSuccess: true, lastDurationSeconds: 0, errorsTotal: 1, consecutiveFailures: 0, lastError: undefined });
  });
});

describe('feed: a sample answers askers within its bound', () => {
  it('a sample is shared with samples asked within maxAgeMs, and read anew after', async () => {
    const fake = createFakeSource();
    start({ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    // An agent up for a minute: ages are told from the clock's differences, not from its value.
    await jest.advanceTimersByTimeAsync(60_000);
    // A collector without rates answers at once: no baseline gap to wait.
    let answered = false;
    void feed.sample('load', 1000).then(() => (answered = true));
    await jest.advanceTimersByTimeAsync(0);
    expect([answered, fake.reads.load]).toEqual([true, 1]);
    await jest.advanceTimersByTimeAsync(1000);
    await feed.sample('load', 1000);
    expect(fake.reads.load).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await feed.sample('load', 1000);
    expect([fake.reads.load, topics()]).toEqual([2, ['load', 'load']]);
  });

  it('so is a failure: one read of a failing collector, even a rate one, answers every sample within the bound', async () => {
    const fake = createFakeSource();
    fake.fail('cpu', 'boom');
    start({ collector: createCpuCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    const first = feed.sample('cpu', 1000);
    // A failure is no baseline: no second read after the gap.
    await jest.advanceTimersByTimeAsync(BASELINE_GAP_MS);
    await first;
    await feed.sample('cpu', 1000);
    expect([fake.reads.cpu, topics()]).toEqual([1, ['collector-error']]);
    await jest.advanceTimersByTimeAsync(1000 - BASELINE_GAP_MS + 1);
    await feed.sample('cpu', 1000);
    expect(fake.reads.cpu).toBe(2);
  });
});

describe('feed: live sampling follows its subscribers', () => {
  it('the first subscriber starts ticking at the interval; after the last leaves it stops once the grace is over', async () => {
    const fake = createFakeSource();
    start(
      { collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 },
      { collector: createMemoryCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 },
    );
    const first = watch('load');
    const second = watch('load');
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.reads.load).toBe(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(fake.reads.load).toBe(6);
    expect(fake.reads.memory).toBe(0);
    first.unsubscribe();
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.reads.load).toBe(7);
    second.unsubscribe();
    await jest.advanceTimersByTimeAsync(GRACE_MS - 1000);
    expect(fake.reads.load).toBe(7 + GRACE_MS / 1000 - 1);
    await jest.advanceTimersByTimeAsync(2000);
    const afterGrace = fake.reads.load;
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(fake.reads.load).toBe(afterGrace);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a subscriber back within the grace keeps the same ticking: no new baseline for a rate collector', async () => {
    const fake = createFakeSource();
    start({ collector: createCpuCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    watch('cpu').unsubscribe();
    await jest.advanceTimersByTimeAsync(BASELINE_GAP_MS);
    expect(topics()).toEqual(['cpu']);
    await jest.advanceTimersByTimeAsync(GRACE_MS - 2000);
    const readsBefore = fake.reads.cpu;
    watch('cpu');
    await jest.advanceTimersByTimeAsync(0);
    // Not an immediate extra read: the ticking that went on through the grace goes on.
    expect(fake.reads.cpu).toBe(readsBefore);
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.reads.cpu).toBe(readsBefore + 1);
    expect(topics().every((t) => t === 'cpu')).toBe(true);
  });

  it('a source that throws becomes collector-error items, and live sampling keeps trying', async () => {
    const fake = createFakeSource();
    fake.fail('load', 'boom');
    start({ collector: createLoadCollector(fake.source), intervalMs: 1000, timeoutMs: 1000 });
    watch('load');
    await jest.advanceTimersByTimeAsync(2000);
    expect(seen.map((f) => f.data)).toEqual([
      expect.objectContaining({ collector: 'load', message: "couldn't collect load: boom", consecutive: 1 }),
      expect.objectContaining({ consecutive: 2 }),
      expect.objectContaining({ consecutive: 3 }),
    ]);
    expect(feed.latest('load')).toBeUndefined();
    fake.fail('load', undefined);
    await jest.advanceTimersByTimeAsync(1000);
    expect(topics().at(-1)).toBe('load');
    expect(feed.status()).toEqual([expect.objectContaining({ topic: 'load', lastSuccess: true, consecutiveFailures: 0, errorsTotal: 3 })]);
  });

  it('a collector that never answers times out, is never run twice at once, and does not stall the others', async () => {
    const fake = createFakeSource();
    let inFlight = 0;
    let maxInFlight = 0;
    const hanging: Collector<'load'> = {
      topic: 'load',
      collect: () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise(() => undefined);
      },
    };
    start(
      { collector: hanging, intervalMs: 10, timeoutMs: 100 },
      { collector: createMemoryCollector(fake.source), intervalMs: 20, timeoutMs: 1000 },
    );
    watch('load');
    watch('memory');
    // A scrape's read and the ticks that come while it hangs join it rather than starting another.
    void feed.read('load');
    await jest.advanceTimersByTimeAsync(99);
    expect([inFlight, maxInFlight]).toEqual([1, 1]);
    expect(seen.filter((item) => item.topic === 'memory')).toHaveLength(5);
    await jest.advanceTimersByTimeAsync(1);
    expect(seen.find((item) => item.topic === 'collector-error')?.data).toMatchObject({
      collector: 'load',
      message: "couldn't collect load: timed out after 100ms",
    });
    expect(feed.status().find((s) => s.topic === 'load')).toMatchObject({ lastSuccess: false, errorsTotal: 1 });
  });

  it('stop() ends live ticking and completes the stream, leaving no timer at once (no grace, live topic or not)', async () => {
    const fake = createFakeSource();
    start(
      { collector: createLoadCollector(fake.source), intervalMs: 10, timeoutMs: 1000 },
      { collector: createMemoryCollector(fake.source), intervalMs: 10, timeoutMs: 1000 },
    );
    watch('load');
    // memory in its grace, load live.
    watch('memory').unsubscribe();
    await jest.advanceTimersByTimeAsync(20);
    let completed = false;
    feed.items$.subscribe({ complete: () => (completed = true) });
    feed.stop();
    // A timer left now would hold an embedding process until it fired.
    expect(jest.getTimerCount()).toBe(0);
    const readsAtStop = fake.reads.load;
    await jest.advanceTimersByTimeAsync(GRACE_MS);
    expect(fake.reads.load).toBe(readsAtStop);
    expect(completed).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});
