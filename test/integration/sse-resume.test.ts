/** Resuming /events with Last-Event-ID (or ?lastEventId=): exactly the missed events, or a reset and the latest. */
import type { Socket } from 'node:net';
import { EventSource } from 'eventsource';
import type { RunningAgent } from '../../agent/agent';
import { TOPICS } from '../../agent/events';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { closeAfterEach, everyTopicSeen, isEvent, seqOf, type RawStream, type ReceivedEvent } from '../helpers/sse-stream';

const { open, track } = closeAfterEach();
afterEach(stopTestAgents);

/** Seqs of the events after the hello that are newer than it: the live part of a stream. */
function liveSeqs(events: ReceivedEvent[]): number[] {
  const helloSeq = seqOf(events.find((e) => e.event === 'hello')?.id);
  return events.filter((e) => e.event !== 'hello' && seqOf(e.id) > helloSeq).map((e) => seqOf(e.id));
}

const consecutive = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1);

async function expectReset(agent: RunningAgent, stream: RawStream, reason: string): Promise<void> {
  await stream.waitFor(isEvent(), 2 + TOPICS.length);
  const [hello, reset, ...latest] = stream.events();
  expect(hello.event).toBe('hello');
  expect(reset).toMatchObject({ event: 'reset', id: hello.id });
  expect(JSON.parse(reset.data)).toEqual({ reason, boot: agent.context.boot });
  expect(hello.id).toMatch(new RegExp(`^${agent.context.boot}-`));
  // Then the latest of each topic, each no newer than the resume point the hello gave.
  expect(latest.slice(0, TOPICS.length).map((e) => e.event).sort()).toEqual([...TOPICS].sort());
  for (const event of latest.slice(0, TOPICS.length)) expect(seqOf(event.id)).toBeLessThanOrEqual(seqOf(hello.id));
}

describe('resuming /events', () => {
  it('replays exactly what a dropped client missed: no gap, no duplicate', async () => {
    const agent = await startTestAgent();
    // Stays connected throughout: it sees the events the dropped client misses.
    const watcher = await open(`${agent.url}/events`);
    const first = await open(`${agent.url}/events`);
    await first.waitFor(isEvent(), 15);
    first.close();
    await first.ended;
    const before = liveSeqs(first.events());
    const last = first.events().at(-1)!.id!;
    await watcher.waitFor((item) => isEvent()(item) && seqOf(item.id) > seqOf(last) + 5);

    const second = await open(`${agent.url}/events`, { 'Last-Event-ID': last });
    await second.waitFor(isEvent(), 20);
    const [hello, ...events] = second.events();
    expect(hello).toMatchObject({ event: 'hello', id: last });
    expect(events.filter((e) => e.event === 'reset')).toEqual([]);
    const after = events.map((e) => seqOf(e.id));
    // More than a few were missed while away, and all of them came back.
    expect(after[0]).toBe(seqOf(last) + 1);
    expect(after.length).toBeGreaterThan(5);
    expect(consecutive([...before, ...after])).toBe(true);
    expect(new Set([...before, ...after]).size).toBe(before.length + after.length);
  });

  it('lets the eventsource client reconnect by itself after the connection drops, with no gap and no duplicate', async () => {
    const agent = await startTestAgent({ sse: { retry: '100ms' } });
    const sockets = new Set<Socket>();
    agent.server.on('connection', (socket: Socket) => sockets.add(socket));
    const es = track(new EventSource(`${agent.url}/events`));
    const received: { type: string; id: string }[] = [];
    let onReceived = () => undefined as unknown;
    for (const type of ['hello', ...TOPICS]) {
      es.addEventListener(type, (event) => {
        received.push({ type, id: event.lastEventId });
        onReceived();
      });
    }
    const until = (test: () => boolean) => new Promise<void>((resolve) => (onReceived = () => test() && resolve()));
    await until(() => received.length >= 12);
    const lastBeforeDrop = received.at(-1)!.id;
    for (const socket of sockets) socket.destroy();
    await until(() => received.filter((r) => r.type === 'hello').length === 2 && received.length >= 30);

    const secondHello = received.filter((r) => r.type === 'hello')[1];
    expect(secondHello.id).toBe(lastBeforeDrop);
    const firstHelloSeq = seqOf(received[0].id);
    const seqs = received.filter((r) => r.type !== 'hello' && seqOf(r.id) > firstHelloSeq).map((r) => seqOf(r.id));
    expect(consecutive(seqs)).toBe(true);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('takes ?lastEventId= from clients that cannot set headers; the header wins over it', async () => {
    const agent = await startTestAgent();
    const first = await open(`${agent.url}/events`);
    await first.waitFor(isEvent(), 12);
    first.close();
    const [older, newer] = [first.events()[6].id!, first.events()[10].id!];

    const byQuery = await open(`${agent.url}/events?lastEventId=${older}`);
    await byQuery.waitFor(isEvent(), 2);
    expect(byQuery.events()[0]).toMatchObject({ event: 'hello', id: older });
    expect(seqOf(byQuery.events()[1].id)).toBe(seqOf(older) + 1);

    const both = await open(`${agent.url}/events?lastEventId=${older}`, { 'Last-Event-ID': newer });
    await both.waitFor(isEvent(), 2);
    expect(both.events()[0]).toMatchObject({ event: 'hello', id: newer });
    expect(seqOf(both.events()[1].id)).toBe(seqOf(newer) + 1);
  });

  it('resets a client whose id is from another boot of the agent', async () => {
    const agent = await startTestAgent();
    await everyTopicSeen(await open(`${agent.url}/events`));
    const otherBoot = agent.context.boot === 'abcdef' ? 'fedcba' : 'abcdef';
    await expectReset(agent, await open(`${agent.url}/events`, { 'Last-Event-ID': `${otherBoot}-12` }), 'other-boot');
  });

  it('resets a client whose id has left the replay ring', async () => {
    const agent = await startTestAgent({ sse: { replay: 5 } });
    const watcher = await open(`${agent.url}/events`);
    await watcher.waitFor((item) => isEvent()(item) && seqOf(item.id) > 20, 1);
    await expectReset(agent, await open(`${agent.url}/events`, { 'Last-Event-ID': `${agent.context.boot}-3` }), 'too-old');
  });

  it.each([
    ['a header that is not an id', () => 'not-an-id'],
    ['an id this boot has not reached', (boot: string) => `${boot}-999999999`],
  ])('resets a client with %s, never a 400 (EventSource would stop for good)', async (_, header) => {
    const agent = await startTestAgent();
    await everyTopicSeen(await open(`${agent.url}/events`));
    const stream = await open(`${agent.url}/events`, { 'Last-Event-ID': header(agent.context.boot) });
    expect(stream.status).toBe(200);
    await expectReset(agent, stream, 'unknown-id');
  });
});
