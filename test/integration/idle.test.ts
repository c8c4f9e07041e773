/**
 * Cost follows observers: an agent nobody watches keeps no timer that wakes it but the history's, every 15 s by
 * default (the usual scrape interval), which costs no read while scrapes come at that interval; an /events
 * subscriber starts the ticking of its topics, and its departure stops it after the grace. Timers are seen through
 * async_hooks, as they are created, so nothing here depends on how fast the machine is: each state is awaited as a
 * condition.
 */
import request from 'supertest';
import { createFakeSource } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { isEvent, openStream } from '../helpers/sse-stream';
import { watchTimers } from '../helpers/timers';
import { until } from '../helpers/until';

const { snapshot, fastTimersSince, noFastTimer, repeatingSince } = watchTimers();
/** The history's tick (agent/history/recorder.ts): the one timer an agent nobody watches keeps. */
const HISTORY_TICK_MS = 15_000;
/** Node's HTTP server checks its connections' timeouts every server.headersTimeout (agent/http-server.ts). */
const HEADERS_TIMEOUT_MS = 10_000;
/** The repeating timers of an idle agent: the HTTP server's check, the history's tick, nothing more often. */
const IDLE_TIMERS = [HEADERS_TIMEOUT_MS, HISTORY_TICK_MS];
afterEach(stopTestAgents);

describe('an idle agent', () => {
  it('keeps no repeating timer when nobody watches; a subscriber starts one, its departure stops it after the grace', async () => {
    const before = snapshot();
    const fake = createFakeSource();
    const agent = await startTestAgent({ sampling: { idleGrace: '300ms' }, sse: { heartbeat: '2s' }, server: { headersTimeout: `${HEADERS_TIMEOUT_MS}ms` }, history: { sampleInterval: `${HISTORY_TICK_MS}ms` } }, fake.source);
    await until('healthy', () => request(agent.server).get('/healthz'), (res) => res.status === 200);
    await request(agent.server).get('/metrics').expect(200);
    await request(agent.server).get('/api/snapshot').expect(200);
    await request(agent.server).get('/api/history').expect(200);
    await noFastTimer(before);
    expect(repeatingSince(before).filter((period) => period <= HISTORY_TICK_MS).sort((a, b) => a - b)).toEqual(IDLE_TIMERS);
    const readsWhileIdle = fake.reads.load;

    const stream = await openStream(`${agent.url}/events?topics=load`);
    // The latest load event at once, then live ones: reads resume.
    await stream.waitFor(isEvent('load'), 2);
    expect(fake.reads.load).toBeGreaterThan(readsWhileIdle);
    // The topic's tick (100 ms in the test config) and the heartbeat (2 s) run while the client is there.
    expect(fastTimersSince(before)).toEqual(expect.arrayContaining([100, 2000]));
    stream.close();

    await noFastTimer(before);
    expect(repeatingSince(before).filter((period) => period <= HISTORY_TICK_MS).sort((a, b) => a - b)).toEqual(IDLE_TIMERS);
    const readsAfterGrace = fake.reads.load;
    await request(agent.server).get('/healthz').expect(200);
    expect(fake.reads.load).toBe(readsAfterGrace);
  });
});
