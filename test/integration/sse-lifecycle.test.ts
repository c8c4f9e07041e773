/** Clients come and go by the hundred; nothing of them stays behind: no client, no feed subscription, no timer. */
import { get } from 'node:http';
import { Observable } from 'rxjs';
import * as feedModule from '../../agent/feed';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { waitForMetrics } from '../helpers/sse-metrics';
import { until } from '../helpers/until';

const { createFeed } = feedModule;
afterEach(async () => {
  jest.restoreAllMocks();
  await stopTestAgents();
});

/** The feed's shared stream, counting its subscribers. */
let feedSubscribers = 0;
function counted<T>(source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    feedSubscribers += 1;
    const subscription = source.subscribe(subscriber);
    return () => {
      feedSubscribers -= 1;
      subscription.unsubscribe();
    };
  });
}

/** One client: reads up to its hello and leaves, or leaves before the answer. */
function visit(url: string, waitForHello: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/events`, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.on('error', () => undefined);
      res.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('event: hello')) req.destroy();
      });
      res.once('close', resolve);
    });
    req.on('error', (err) => (waitForHello ? reject(err) : resolve()));
    if (!waitForHello) req.once('socket', (socket) => socket.once('connect', () => setImmediate(() => req.destroy())));
  });
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

// 500 full HTTP exchanges, client and server in this one process: a starved core takes seconds over them (6 ms each
// at load 22), and a leak of anything per client shows as surely as with more.
describe('500 connects and disconnects', () => {
  it('leave no client, no feed subscriber, no timer and no connection behind', async () => {
    jest.spyOn(feedModule, 'createFeed').mockImplementation((...args) => {
      const feed = createFeed(...args);
      return { ...feed, items$: counted(feed.items$) };
    });
    // A short grace: the topics the clients took stop sampling soon after the last one leaves.
    const agent = await startTestAgent({ sse: { heartbeat: '50ms' }, sampling: { idleGrace: '100ms' } });
    await waitForMetrics(agent.url, (m) => m.clients === 0);
    const baseline = { feedSubscribers, timers: timers() };
    expect(baseline.feedSubscribers).toBe(2); // the hub's and the history's

    for (let batch = 0; batch < 10; batch += 1) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => visit(agent.url, i % 2 === 0)));
    }

    const after = await waitForMetrics(agent.url, (m) => m.clients === 0);
    expect(after.eventsSent).toBeGreaterThanOrEqual(250);
    expect(feedSubscribers).toBe(baseline.feedSubscribers);
    const connections = await new Promise<number>((resolve, reject) => agent.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(connections).toBeLessThanOrEqual(1); // the /metrics reader's own keep-alive connection, at most
    // fetch keeps a few timers of its own that come and go: none may be added by the clients once the grace is over.
    await until('the timers of before the clients', async () => timers(), (count) => count <= baseline.timers);
  });
});
