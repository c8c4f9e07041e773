/**
 * A real Prometheus (Debian package prometheus) scraping the agent every second on loopback, with a temporary TSDB:
 * the target is up and rate(node_cpu_seconds_total[5s]) has series, i.e. the counters parse and increase.
 */
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { startScrapingPrometheus, type RunningPrometheus, type Series } from '../helpers/prometheus';

const DEADLINE_MS = 45_000;

describe('Prometheus scraping the agent', () => {
  let agent: RunningAgent;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    agent = await startAgent(parseConfig({ port: 0 }, 'e2e'), { logger: silentLogger() });
    prometheus = await startScrapingPrometheus(`127.0.0.1:${agent.port}`, 'hostfeed', 1);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.stop();
  });

  async function eventually(expr: string, accept: (result: Series) => boolean) {
    const deadline = Date.now() + DEADLINE_MS;
    let last: Series = [];
    while (Date.now() < deadline) {
      last = await prometheus.query(expr);
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
