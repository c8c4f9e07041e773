/**
 * Cost follows observers: an agent nobody watches keeps no timer that wakes it; an /events subscriber starts the
 * ticking of its topics, and its departure stops it after the grace. Timers are seen through async_hooks, as they are
 * created, so nothing here depends on how fast the machine is: each state is awaited as a condition.
 */
import { createHook } from 'node:async_hooks';
import request from 'supertest';
import { createFakeSource } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { isEvent, openStream } from '../helpers/sse-stream';
import { until } from '../helpers/until';

/** Node's Timeout objects keep their period in `_repeat` (null for a one-shot timer): internal, and so since Node 0.x. */
interface TimeoutResource {
  _repeat: number | null;
}

const live = new Map<number, TimeoutResource>();
const hook = createHook({
  init(asyncId, type, _trigger, resource) {
    if (type === 'Timeout') live.set(asyncId, resource as TimeoutResource);
  },
  destroy(asyncId) {
    live.delete(asyncId);
  },
});

/**
 * Periods under 10 s of the repeating timers created since `since` that are still running. (Node's HTTP server checks
 * its request timeouts every 30 s; rxjs runs one-shot timers as intervals it clears, and Node reports a cleared timer
 * a moment later: hence the waits below are conditions.)
 */
function fastTimersSince(since: Set<number>): number[] {
  return [...live]
    .filter(([id, timer]) => !since.has(id) && timer._repeat !== null && timer._repeat < 10_000)
    .map(([, timer]) => timer._repeat!);
}
const noFastTimer = (since: Set<number>) => until('no timer repeating under 10 s', async () => fastTimersSince(since), (periods) => periods.length === 0);

beforeAll(() => hook.enable());
afterAll(() => hook.disable());
afterEach(stopTestAgents);

describe('an idle agent', () => {
  it('keeps no repeating timer when nobody watches; a subscriber starts one, its departure stops it after the grace', async () => {
    const before = new Set(live.keys());
    const fake = createFakeSource();
    const agent = await startTestAgent({ sampling: { idleGrace: '300ms' }, sse: { heartbeat: '2s' } }, fake.source);
    await until('healthy', () => request(agent.server).get('/healthz'), (res) => res.status === 200);
    await request(agent.server).get('/metrics').expect(200);
    await request(agent.server).get('/api/snapshot').expect(200);
    await noFastTimer(before);
    const readsWhileIdle = fake.reads.load;

    const stream = await openStream(`${agent.url}/events?topics=load`);
    // The latest load event at once, then live ones: reads resume.
    await stream.waitFor(isEvent('load'), 2);
    expect(fake.reads.load).toBeGreaterThan(readsWhileIdle);
    // The topic's tick (100 ms in the test config) and the heartbeat (2 s) run while the client is there.
    expect(fastTimersSince(before)).toEqual(expect.arrayContaining([100, 2000]));
    stream.close();

    await noFastTimer(before);
    const readsAfterGrace = fake.reads.load;
    await request(agent.server).get('/healthz').expect(200);
    expect(fake.reads.load).toBe(readsAfterGrace);
  });
});
