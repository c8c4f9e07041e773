/**
 * A collector disabled in the config (`collectors.disk.enabled: false`) in a running agent: as node_exporter with
 * `--no-collector.filesystem --no-collector.diskstats`, nothing of it anywhere, not even a success series, and the host
 * is never read for it. The other collectors are the control: each is there.
 */
import { TOPICS } from '../../agent/events';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { createFakeSource } from '../helpers/fake-source';
import { closeAfterEach, isEvent } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';

const { open } = closeAfterEach();
afterAll(stopTestAgents);

const fake = createFakeSource();
const ENABLED = ['cpu', 'memory', 'load', 'network', 'pressure', 'processes'];
let url: string;

beforeAll(async () => {
  url = (await startTestAgent({ collectors: { disk: { enabled: false } } }, fake.source)).url;
  await untilTrue('healthy', async () => (await fetch(`${url}/healthz`)).status === 200);
});

describe('a disabled collector in a running agent', () => {
  it('has no family, and no series with its name, on /metrics; the others have theirs', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const families = [...parseExposition(text).values()];
    expect(families.filter((f) => /^node_(filesystem|disk)_/.test(f.name)).map((f) => f.name)).toEqual([]);
    expect(text).not.toMatch(/collector="(disk|diskstats|filesystem)"/);
    for (const name of ['node_cpu_seconds_total', 'node_memory_MemTotal_bytes', 'node_load1']) expect(families.map((f) => f.name)).toContain(name);
    // Under node_exporter's names for the same collectors: all but diskstats and filesystem, hostfeed's disk.
    const success = families.find((f) => f.name === 'node_scrape_collector_success')!;
    const succeeded = ['cpu', 'stat', 'meminfo', 'loadavg', 'netclass', 'netdev', 'pressure', 'processes'];
    expect(success.samples.map((s) => [s.labels.collector, s.value]).sort()).toEqual(succeeded.map((collector) => [collector, 1]).sort());
  });

  it('is not a topic of /events: the hello leaves it out, and no event of it comes', async () => {
    const stream = await open(`${url}/events`);
    for (const topic of ENABLED) await stream.waitFor(isEvent(topic), 2);
    const hello = JSON.parse(stream.events('hello')[0]!.data) as { topics: string[]; intervals: Record<string, number> };
    // The alerts' topic is the agent's own, on whatever collectors run.
    expect(hello.topics.sort()).toEqual([...ENABLED, 'alert'].sort());
    expect(Object.keys(hello.intervals).sort()).toEqual([...ENABLED].sort());
    expect(stream.events().filter((e) => e.event === 'disk' || e.data.includes('"collector":"disk"'))).toEqual([]);
  });

  it('has no schema on /api/schema, while every other event type keeps its own', async () => {
    const { $defs } = (await (await fetch(`${url}/api/schema`)).json()) as { $defs: Record<string, unknown> };
    expect(Object.keys($defs)).not.toContain('disk');
    for (const type of [...ENABLED, 'hello', 'collector-error', 'reset', 'busy']) expect(Object.keys($defs)).toContain(type);
  });

  it('has no entry in /api/snapshot, which answers 400 when asked for it', async () => {
    const snapshot = (await (await fetch(`${url}/api/snapshot`)).json()) as { latest: Record<string, unknown>; failing: Record<string, unknown> };
    expect(Object.keys(snapshot.latest).sort()).toEqual([...ENABLED].sort());
    expect(snapshot.failing).toEqual({});
    const asked = await fetch(`${url}/api/snapshot?topics=disk`);
    expect(asked.status).toBe(400);
    expect(await asked.json()).toEqual({ error: `topics: "disk" is not enabled on this agent; enabled: ${TOPICS.filter((t) => t !== 'disk').join(', ')}` });
  });

  it('never reads the host for it, while the others were read', () => {
    expect({ mounts: fake.reads.mounts, diskStats: fake.reads.diskStats }).toEqual({ mounts: 0, diskStats: 0 });
    expect(Math.min(fake.reads.cpu, fake.reads.memory, fake.reads.load)).toBeGreaterThan(0);
  });
});
