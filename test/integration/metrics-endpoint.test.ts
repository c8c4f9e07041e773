import { readFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Gauge } from 'prom-client';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { waitForUrl } from '../../bench/processes';
import { createFakeSource, type FakeSourceControls } from '../helpers/fake-source';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { untilTrue } from '../helpers/until';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The raw response, undecoded: fetch would gunzip behind our back. */
function scrape(agent: RunningAgent, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${agent.url}/metrics`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('GET /metrics', () => {
  let agent: RunningAgent;
  let fake: FakeSourceControls;

  beforeAll(async () => {
    fake = createFakeSource();
    const fast = { interval: '100ms' };
    const config = parseConfig({ port: 0, collectors: { cpu: fast, memory: fast, load: fast, disk: fast } }, 'test');
    agent = await startAgent(config, { logger: silentLogger(), source: fake.source });
    await waitForUrl(`${agent.url}/healthz`);
  });

  afterAll(() => agent.stop());

  it('text format 0.0.4 by default, uncompressed unless asked', async () => {
    const res = await scrape(agent);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['content-encoding']).toBeUndefined();
    const text = res.body.toString();
    expect(text).toContain('# TYPE node_cpu_seconds_total counter\nnode_cpu_seconds_total{cpu="0",mode="user"} ');
    expect(text).not.toContain('# EOF');
  });

  it('OpenMetrics 1.0 when Accept prefers it, as Prometheus does, ending with # EOF', async () => {
    const res = await scrape(agent, { accept: PROMETHEUS_ACCEPT });
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = res.body.toString();
    expect(text).toContain('# TYPE node_cpu_seconds counter\nnode_cpu_seconds_total{cpu="0",mode="user"} ');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });

  it('a text scrape after an OpenMetrics one still names counters with _total (prom-client renames them in place)', async () => {
    await scrape(agent, { accept: 'application/openmetrics-text' });
    const text = (await scrape(agent)).body.toString();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total ');
  });

  it('gzip when Accept-Encoding allows it', async () => {
    const res = await scrape(agent, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept, Accept-Encoding');
    expect(gunzipSync(res.body).toString()).toContain('node_memory_MemTotal_bytes 8589934592');
  });

  it('serves metrics other parts of the agent register in context.metrics', async () => {
    new Gauge({ name: 'hostfeed_test_extra', help: 'Registered by a test.', registers: [agent.context.metrics!], collect() { this.set(42); } });
    expect((await scrape(agent)).body.toString()).toContain('# TYPE hostfeed_test_extra gauge\nhostfeed_test_extra 42\n');
  });

  it('a collector that starts failing: its series go, its success turns 0, the scrape still answers 200', async () => {
    fake.fail('diskStats', 'disk gone');
    try {
      const failing = 'node_scrape_collector_success{collector="diskstats"} 0';
      await untilTrue('the disk collector to fail', async () => (await scrape(agent)).body.toString().includes(failing));
      const res = await scrape(agent);
      expect(res.status).toBe(200);
      const text = res.body.toString();
      expect(text).not.toMatch(/^node_(disk|filesystem)_/m);
      expect(text).toMatch(/^hostfeed_collector_errors_total\{collector="disk"\} [1-9]/m);
      expect(text).toMatch(/^node_load1 /m);
    } finally {
      fake.fail('diskStats', undefined);
    }
  });
});

describe('a scrape', () => {
  it('reads the host once per scrape, as node_exporter, and nothing between scrapes', async () => {
    const fake = createFakeSource();
    // Sampling freshness of 1 ms: no two of these sequential scrapes share a reading.
    const config = parseConfig({ port: 0, sampling: { freshness: '1ms' } }, 'test');
    const agent = await startAgent(config, { logger: silentLogger(), source: fake.source });
    try {
      await waitForUrl(`${agent.url}/healthz`);
      // The start samples every topic once; cpu and disk read twice (a baseline, then the rate).
      await untilTrue('the start sample', async () => fake.reads.cpu === 2 && fake.reads.diskStats === 2);
      const before = { ...fake.reads };
      for (let i = 0; i < 3; i++) expect((await scrape(agent)).body.toString()).toMatch(/^node_cpu_seconds_total\{/m);
      const read = Object.fromEntries(Object.entries(fake.reads).map(([method, count]) => [method, count - before[method as keyof typeof before]]));
      expect(read).toEqual({ cpu: 3, memory: 3, load: 3, mounts: 3, diskStats: 3, inventory: 0, network: 3, pressure: 3, processes: 3 });
    } finally {
      await agent.stop();
    }
  });
});

describe("the agent's own process families", () => {
  afterEach(stopTestAgents);

  it('tell the CPU time and memory /proc/self tells, and the true event-loop lag (not a monitor resolution)', async () => {
    const agent = await startTestAgent();
    const ticks = () => {
      const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ
    };
    const cpuBefore = ticks();
    const asked = performance.now();
    const families = parseExposition((await scrape(agent)).body.toString());
    const scrapeSeconds = (performance.now() - asked) / 1000;
    const cpuAfter = ticks();
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    // /proc counts in 10 ms ticks, utime and stime each rounded down: the exported figure lies between the two
    // readings, within a tick each of them.
    expect(value('process_cpu_seconds_total')).toBeGreaterThanOrEqual(cpuBefore);
    expect(value('process_cpu_seconds_total')).toBeLessThanOrEqual(cpuAfter + 0.02);
    expect(value('process_cpu_seconds_total')).toBeCloseTo(value('process_cpu_user_seconds_total')! + value('process_cpu_system_seconds_total')!, 6);
    const maxFds = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1];
    expect(value('process_max_fds')).toBe(Number(maxFds));
    expect(value('process_start_time_seconds')).toBeCloseTo(Date.now() / 1000 - process.uptime(), -1);
    // Measured during the scrape, the lag is part of its time (this agent's only scrape). prom-client's monitor, at
    // 1 s resolution, made an idle agent report a median lag of about 1 s whatever the scrape took.
    expect(value('nodejs_eventloop_lag_seconds')).toBeLessThanOrEqual(scrapeSeconds);
    expect(value('nodejs_eventloop_lag_p50_seconds')).toBeLessThanOrEqual(scrapeSeconds);
    expect(families.get('nodejs_version_info')?.samples[0]?.labels.version).toBe(process.version);
  });
});
