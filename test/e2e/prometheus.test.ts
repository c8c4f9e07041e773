/**
 * A real Prometheus (Debian package prometheus) scraping the agent every second on loopback, with a temporary TSDB:
 * the target is up and rate(node_cpu_seconds_total[5s]) has series, i.e. the counters parse and increase.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus';

const DEADLINE_MS = 45_000;

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('Prometheus scraping the agent', () => {
  let agent: RunningAgent;
  let prometheus: RunningPrometheus;
  let api: string;
  let dir: string;

  beforeAll(async () => {
    agent = await startAgent(parseConfig({ port: 0 }, 'e2e'), { logger: silentLogger() });
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: hostfeed',
        `    static_configs: [{ targets: ['127.0.0.1:${agent.port}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = await startPrometheus(config);
    api = prometheus.api;
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<QueryResult['data']['result']> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as QueryResult;
    if (body.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  async function eventually(expr: string, accept: (result: QueryResult['data']['result']) => boolean) {
    const deadline = Date.now() + DEADLINE_MS;
    let last: QueryResult['data']['result'] = [];
    while (Date.now() < deadline) {
      last = await query(expr);
      if (accept(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const said = prometheus.output().slice(-2000);
    throw new Error(`${expr} never satisfied within ${DEADLINE_MS} ms; last result ${JSON.stringify(last)}; Prometheus said: ${said}`);
  }

  it('up == 1 and rate(node_cpu_seconds_total[5s]) is not empty', async () => {
    const up = await eventually('up{job="hostfeed"}', (r) => r.length === 1 && r[0]!.value[1] === '1');
    expect(up[0]!.metric.instance).toBe(`127.0.0.1:${agent.port}`);
    const rates = await eventually('rate(node_cpu_seconds_total[5s])', (r) => r.length > 0);
    expect(new Set(rates.map((r) => r.metric.mode))).toEqual(new Set(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']));
  }, DEADLINE_MS * 2 + 5_000);
});
