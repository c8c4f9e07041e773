import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { createFeed, type Feed } from '../../agent/feed';
import type { Collector } from '../../agent/collectors/types';
import { createLoadCollector } from '../../agent/collectors/load';
import { createMemoryCollector } from '../../agent/collectors/memory';
import type { FeedItem } from '../../agent/samples';
import { createFakeSource } from '../helpers/fake-source';

const feeds: Feed[] = [];
afterEach(() => feeds.splice(0).forEach((feed) => feed.stop()));

function start(...schedules: Parameters<typeof createFeed>[0]): Feed {
  const feed = createFeed(schedules);
  feeds.push(feed);
  return feed;
}

const items = (feed: Feed, count: number, topic?: string): Promise<FeedItem[]> =>
  firstValueFrom(feed.items$.pipe(filter((item) => !topic || item.topic === topic), take(count), toArray()));

describe('feed', () => {
  it('samples each collector on its own interval and keeps the latest', async () => {
    const fake = createFakeSource();
    const feed = start(
      { collector: createLoadCollector(fake.source), intervalMs: 20, timeoutMs: 1000 },
      { collector: createMemoryCollector(fake.source), intervalMs: 200, timeoutMs: 1000 },
    );
    const loads = await items(feed, 5, 'load');
    expect(loads.map((i) => i.topic)).toEqual(['load', 'load', 'load', 'load', 'load']);
    expect(feed.latest('load')?.data).toEqual(loads[4].data);
    // In the same ~100 ms the 200 ms collector has sampled once, at start.
    expect(fake.reads.memory).toBe(1);
    expect(feed.intervals).toEqual({ load: 20, memory: 200 });
  });

  it('a source that throws becomes collector-error items and the collector keeps trying', async () => {
    const fake = createFakeSource();
    fake.fail('load', 'boom');
    const feed = start({ collector: createLoadCollector(fake.source), intervalMs: 20, timeoutMs: 1000 });
    const failures = await items(feed, 3, 'collector-error');
    expect(failures.map((f) => f.data)).toEqual([
      expect.objectContaining({ collector: 'load', message: "couldn't collect load: boom", consecutive: 1 }),
      expect.objectContaining({ consecutive: 2 }),
      expect.objectContaining({ consecutive: 3 }),
    ]);
    expect(feed.latest('load')).toBeUndefined();
    fake.fail('load', undefined);
    const [recovered] = await items(feed, 1, 'load');
    expect(recovered.topic).toBe('load');
    const [status] = feed.status();
    expect(status).toMatchObject({ topic: 'load', lastSuccess: true, consecutiveFailures: 0, errorsTotal: 3 });
  });

  it('a collector that never answers times out without stalling the others, and is never run twice at once', async () => {
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
    const feed = start(
      { collector: hanging, intervalMs: 10, timeoutMs: 100 },
      { collector: createMemoryCollector(fake.source), intervalMs: 20, timeoutMs: 1000 },
    );
    const [timedOut] = await items(feed, 1, 'collector-error');
    expect(timedOut.data).toMatchObject({ collector: 'load', message: "couldn't collect load: timed out after 100ms" });
    // Ticks that came while the first attempt hung were skipped, not queued: one attempt per 100 ms timeout.
    expect(maxInFlight).toBe(1);
    expect(fake.reads.memory).toBeGreaterThanOrEqual(4);
    expect(feed.latest('memory')).toBeDefined();
    expect(feed.status().find((s) => s.topic === 'load')).toMatchObject({ lastSuccess: false, errorsTotal: 1 });
  });

  it('stop() ends every timer and completes the stream', async () => {
    const fake = createFakeSource();
    const feed = start({ collector: createLoadCollector(fake.source), intervalMs: 10, timeoutMs: 1000 });
    await items(feed, 2, 'load');
    let completed = false;
    feed.items$.subscribe({ complete: () => (completed = true) });
    feed.stop();
    const readsAtStop = fake.reads.load;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fake.reads.load).toBe(readsAtStop);
    expect(completed).toBe(true);
  });
});
