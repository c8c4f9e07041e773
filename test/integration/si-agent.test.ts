/**
 * The systeminformation source inside a running agent (`"source": "systeminformation"` in its config):
 * - on this host, with the real library, its figures against what Node's os module says;
 * - on a capture of every call the source makes (test/fixtures/systeminformation/linux-vm, see its README), its
 *   /metrics and /events against golden files, as metrics-golden.test.ts does for procfs. Regenerate after an
 *   intended change with `UPDATE_GOLDEN=1 npx jest test/integration/si-agent` and review the diff.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { Systeminformation } from 'systeminformation';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { TOPICS } from '../../agent/events';
import { silentLogger } from '../../agent/logger';
import type { HostFacts } from '../../agent/sources/systeminformation/map';
import { createSystemInformationSource, type SystemInformationApi } from '../../agent/sources/systeminformation/source';
import type { Source } from '../../agent/sources/types';
import { parseExposition } from '../helpers/exposition';
import { deterministic, expectGolden, SI_EVENTS_GOLDEN, SI_GOLDEN } from '../helpers/golden';
import { closeAfterEach, isEvent, type RawStream } from '../helpers/sse-stream';
import { untilTrue } from '../helpers/until';

const { open } = closeAfterEach();

/** The topics of an agent on systeminformation: no processes, which it would list by forking ps (docs/metrics.md). */
const SI_TOPICS = TOPICS.filter((topic) => topic !== 'processes');

/** The longest sample timeout: si forks df and reads /proc, which a loaded machine may take seconds over. */
const PATIENT = { timeout: '1m' };
const CONFIG = { port: 0, host: '127.0.0.1', source: 'systeminformation', collectors: { cpu: PATIENT, memory: PATIENT, disk: PATIENT, load: PATIENT } };

async function start(source?: Source): Promise<RunningAgent> {
  const agent = await startAgent(parseConfig(CONFIG, 'si agent'), { logger: silentLogger(), source });
  await untilTrue('healthy', async () => (await fetch(`${agent.url}/healthz`)).status === 200);
  return agent;
}

/** Waits for an event of every topic after the hello. */
async function everyTopic(stream: RawStream): Promise<void> {
  await stream.waitFor(isEvent('hello'));
  for (const topic of SI_TOPICS) await stream.waitFor(isEvent(topic));
}

describe('an agent configured with "source": "systeminformation", on this host', () => {
  let agent: RunningAgent;
  beforeAll(async () => (agent = await start()));
  afterAll(() => agent.stop());

  it('serves what systeminformation can give of this host on /metrics, and none of the counters it cannot', async () => {
    const families = parseExposition(await (await fetch(`${agent.url}/metrics`)).text());
    expect(families.get('node_memory_MemTotal_bytes')?.samples[0]?.value).toBe(os.totalmem());
    expect(families.get('node_uname_info')?.samples[0]?.labels).toMatchObject({ sysname: os.type(), release: os.release(), nodename: os.hostname() });
    expect(families.get('node_filesystem_size_bytes')?.samples.map((s) => s.labels.mountpoint)).toContain('/');
    expect(families.get('node_load1')?.samples).toHaveLength(1);
    // Shares of an interval are no counters (docs/metrics.md, "With the systeminformation source").
    expect([...families.keys()].filter((name) => /^node_(cpu_|disk_)/.test(name))).toEqual([]);
    // Under node_exporter's names for the same collectors: every one but processes.
    const success = families.get('node_scrape_collector_success')!.samples;
    const succeeded = ['cpu', 'stat', 'meminfo', 'diskstats', 'filesystem', 'loadavg', 'netclass', 'netdev', 'pressure'];
    expect(success.map((s) => [s.labels.collector, s.value]).sort()).toEqual(succeeded.map((collector) => [collector, 1]).sort());
  });

  it('streams every topic on /events, saying where its figures come from', async () => {
    const stream = await open(`${agent.url}/events`);
    await everyTopic(stream);
    const hello = JSON.parse(stream.events('hello')[0]!.data) as { source: string; host: string; cpu: { cores: number } };
    expect(hello).toMatchObject({ source: 'systeminformation', host: os.hostname(), cpu: { cores: os.cpus().length } });
    const cpu = JSON.parse(stream.events('cpu')[0]!.data) as { usage: number; cores: unknown[]; modes: Record<string, number> };
    expect(cpu.usage).toBeGreaterThanOrEqual(0);
    expect(cpu.usage).toBeLessThanOrEqual(1);
    expect(cpu.cores).toHaveLength(os.cpus().length);
    expect(cpu.modes).not.toHaveProperty('iowait');
  });
});

const CAPTURE = join(__dirname, '../fixtures/systeminformation/linux-vm');
const captured = <T>(name: string): T => JSON.parse(readFileSync(join(CAPTURE, `${name}.json`), 'utf8')) as T;

/** The source over the capture: si's calls and the os facts it reads beside them, all from the files. */
function capturedSource(): Source {
  const lib = {
    currentLoad: async () => captured<Systeminformation.CurrentLoadData>('currentLoad'),
    mem: async () => captured<Systeminformation.MemData>('mem'),
    fsSize: async () => captured<Systeminformation.FsSizeData[]>('fsSize'),
    osInfo: async () => captured<Systeminformation.OsData>('osInfo'),
    cpu: async () => captured<Systeminformation.CpuData>('cpu'),
    time: () => captured<Systeminformation.TimeData>('time'),
    networkStats: async () => captured<Systeminformation.NetworkStatsData[]>('networkStats'),
  } as SystemInformationApi;
  const host = captured<HostFacts>('host');
  return createSystemInformationSource({ lib, platform: host.platform, loadavg: () => captured<number[]>('loadavg'), host: () => host });
}

/** What of an event's data is the moment or the agent process rather than the capture. */
function normalized(data: string, boot: string): string {
  return JSON.stringify(JSON.parse(data), (key, value: unknown) => {
    if (key === 'ts') return '<ts>';
    if (key === 'agent') return '<version>';
    return value === boot ? '<boot>' : value;
  });
}

describe('an agent on the systeminformation source, over a capture of this VM', () => {
  let agent: RunningAgent;
  beforeAll(async () => (agent = await start(capturedSource())));
  afterAll(() => agent.stop());

  it('serves the golden /metrics', async () => {
    expectGolden(SI_GOLDEN, deterministic(await (await fetch(`${agent.url}/metrics`)).text()));
  });

  it('streams the golden /events: its hello, then an event of each topic numbered in its boot', async () => {
    const stream = await open(`${agent.url}/events`);
    await everyTopic(stream);
    const { boot } = agent.context;
    const [hello, ...events] = stream.events();
    const firsts = SI_TOPICS.map((topic) => events.find((event) => event.event === topic)!);
    for (const event of [hello!, ...firsts]) expect(event.id).toMatch(new RegExp(`^${boot}-\\d+$`));
    const text = [hello!, ...firsts].map((event) => `event: ${event.event}\ndata: ${normalized(event.data, boot)}\n\n`).join('');
    expectGolden(SI_EVENTS_GOLDEN, text);
  });
});
