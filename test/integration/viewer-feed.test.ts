/**
 * The viewer's feed logic (viewer/feed.js) against a real agent, in Node without a browser: the `eventsource` package
 * stands in for the browser's EventSource, Node's fetch for the page's. The page backfills from the agent's replay
 * ring and counts no gap in the agent's own numbering.
 */
import { EventSource } from 'eventsource';
import { eventSchemas, type EventType } from '../../agent/events';
import { connectFeed } from '../../viewer/feed.js';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { closeAfterEach, isEvent, seqOf } from '../helpers/sse-stream';
import { until } from '../helpers/until';

const { open } = closeAfterEach();

/**
 * The sources the feed opens, closed after each test (the package would otherwise reconnect to a stopped agent), and
 * the seq of every cpu event they receive, recorded from the start.
 */
const opened: EventSource[] = [];
const cpuSeqs: number[] = [];
class TrackedEventSource extends EventSource {
  constructor(...args: ConstructorParameters<typeof EventSource>) {
    super(...args);
    opened.push(this);
    this.addEventListener('cpu', (event) => cpuSeqs.push(seqOf(event.lastEventId)));
  }
}
beforeAll(() => ((globalThis as { EventSource?: unknown }).EventSource = TrackedEventSource));
afterEach(async () => {
  for (const source of opened.splice(0)) source.close();
  await stopTestAgents();
});
afterAll(() => delete (globalThis as { EventSource?: unknown }).EventSource);

const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

describe("the viewer's feed on a real agent", () => {
  it('backfills every cpu sample the agent sent before the page opened, then goes live with no event missed', async () => {
    const agent = await startTestAgent();
    // Samples in the replay ring before the page connects.
    const watcher = await open(`${agent.url}/events?topics=cpu`);
    await watcher.waitFor(isEvent('cpu'), 6);
    const sentBefore = watcher.events('cpu').map((e) => seqOf(e.id));

    const statuses: { state: string; missed: number }[] = [];
    let cpuHandled = 0;
    const handlers = Object.fromEntries(EVENT_TYPES.map((type) => [type, type === 'cpu' ? () => (cpuHandled += 1) : () => undefined]));
    connectFeed(new URL(`${agent.url}/`), agent.context.config.sse.replay, handlers as never, (status: { state: string; missed: number }) => statuses.push(status));

    // Live: more cpu samples than the watcher had seen.
    const liveFrom = Math.max(...sentBefore);
    await until('live cpu samples', async () => cpuSeqs.filter((seq) => seq > liveFrom).length, (count) => count >= 5);
    expect(cpuSeqs).toEqual(expect.arrayContaining(sentBefore));
    expect(cpuHandled).toBe(cpuSeqs.length);
    expect(statuses.at(-1)).toMatchObject({ state: 'live', missed: 0 });
  });
});
