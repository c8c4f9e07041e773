/**
 * The agent's alerts against a real Prometheus (Debian package prometheus) evaluating the node-mixin's own PromQL on
 * the agent's /metrics: the mixin's rules as written in docs/node-mixin/alerts/alerts.libsonnet (upstream commit
 * MIXIN_COMMIT), rendered here to a rule file with the thresholds the agent is configured with, lowered so that they
 * hold on any host (memory above 1 %, CPU above 0.01 %, filesystems below 99 % available), `for: 0`. Prometheus'
 * /api/v1/alerts and the agent's /api/alerts must then name the same alerts with the same labels and states.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { freePort } from '../../bench/processes';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus';
import { until } from '../helpers/until';

const JOB = 'hostfeed';
const SEL = `job="${JOB}"`;
const FS = `${SEL},fstype!="",mountpoint!=""`;

/** The agent's thresholds (ratios), and the mixin's expressions with them in percent, as config.libsonnet would. */
const THRESHOLDS = { memory: 0.01, cpu: 0.0001, spaceWarning: 0.99, spaceCritical: 0.98 };

interface PromRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const where = 'Filesystem on {{ $labels.device }}, mounted on {{ $labels.mountpoint }}, at {{ $labels.instance }} has only {{ printf "%.2f" $value }}%';

/** From alerts.libsonnet, with nodeExporterSelector, fsSelector and fsMountpointSelector substituted. */
const RULES: PromRule[] = [
  ...(['warning', 'critical'] as const).map((severity) => {
    const below = (severity === 'warning' ? THRESHOLDS.spaceWarning : THRESHOLDS.spaceCritical) * 100;
    return {
      alert: 'NodeFilesystemAlmostOutOfSpace',
      expr: `(node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} * 100 < ${below} and node_filesystem_readonly{${FS}} == 0)`,
      for: '0s',
      labels: { severity },
      annotations: { summary: `Filesystem has less than ${below}% space left.`, description: `${where} available space left.` },
    };
  }),
  {
    alert: 'NodeCPUHighUsage',
    expr: `sum without(mode) (avg without (cpu) (rate(node_cpu_seconds_total{${SEL}, mode!~"idle|iowait"}[2m]))) * 100 > ${THRESHOLDS.cpu * 100}`,
    for: '0s',
    labels: { severity: 'info' },
    annotations: { summary: 'High CPU usage.', description: '' },
  },
  {
    alert: 'NodeMemoryHighUtilization',
    expr: `100 - (node_memory_MemAvailable_bytes{${SEL}} / node_memory_MemTotal_bytes{${SEL}} * 100) > ${THRESHOLDS.memory * 100}`,
    for: '0s',
    labels: { severity: 'warning' },
    annotations: { summary: 'Host is running out of memory.', description: '' },
  },
];

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  value: string;
}

/** An alert as the two must agree on it: name, every label, state, summary. */
const comparable = (alerts: ApiAlert[]) =>
  alerts.map((alert) => JSON.stringify({ labels: alert.labels, state: alert.state, summary: alert.annotations.summary })).sort();

describe("the agent's alerts and Prometheus' on the same host", () => {
  let agent: RunningAgent;
  let prometheus: RunningPrometheus;
  let dir: string;

  beforeAll(async () => {
    const port = await freePort();
    const instance = `127.0.0.1:${port}`;
    const off = { enabled: false };
    agent = await startAgent(
      parseConfig(
        {
          port,
          alerts: {
            labels: { instance, job: JOB },
            rules: {
              NodeFilesystemSpaceFillingUp: off,
              NodeFilesystemFilesFillingUp: off,
              NodeFilesystemAlmostOutOfFiles: off,
              NodeNetworkReceiveErrs: off,
              NodeNetworkTransmitErrs: off,
              NodeSystemSaturation: off,
              NodeDiskIOSaturation: off,
              NodeFilesystemAlmostOutOfSpace: { for: 0, warning: { below: THRESHOLDS.spaceWarning }, critical: { below: THRESHOLDS.spaceCritical } },
              NodeCPUHighUsage: { above: THRESHOLDS.cpu, for: 0 },
              NodeMemoryHighUtilization: { above: THRESHOLDS.memory, for: 0 },
            },
          },
        },
        'e2e',
      ),
      { logger: silentLogger() },
    );
    dir = mkdtempSync(join(tmpdir(), 'hostfeed-prometheus-alerts-'));
    // JSON is YAML: the rule file as Prometheus reads it.
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: [{ name: 'node-exporter', rules: RULES }] }, null, 2));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        'scrape_configs:',
        `  - job_name: ${JOB}`,
        `    static_configs: [{ targets: ['${instance}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = await startPrometheus(join(dir, 'prometheus.yml'));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const alertsAt = async (url: string): Promise<ApiAlert[]> => {
    const body = (await (await fetch(url)).json()) as { status: string; data: { alerts: ApiAlert[] } };
    expect(body.status).toBe('success');
    return body.data.alerts;
  };

  it('name the same alerts, with the same labels, states and summaries', async () => {
    // Prometheus has evaluated the rules on enough scrapes for its rate() over 2m (two samples) when CPU fires.
    await until('Prometheus fires NodeCPUHighUsage', () => alertsAt(`${prometheus.api}/api/v1/alerts`), (alerts) => alerts.some((a) => a.labels.alertname === 'NodeCPUHighUsage'));
    // Each evaluates on its own beat (Prometheus every second, the agent at each sample): equal within a few tries.
    let last: { prometheus: string[]; agent: string[] } = { prometheus: [], agent: [] };
    await until(
      'the same alerts on both',
      async () => (last = { prometheus: comparable(await alertsAt(`${prometheus.api}/api/v1/alerts`)), agent: comparable(await alertsAt(`${agent.url}/api/alerts`)) }),
      ({ prometheus: theirs, agent: ours }) => theirs.length > 0 && JSON.stringify(theirs) === JSON.stringify(ours),
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nPrometheus: ${last.prometheus.join('\n')}\nagent: ${last.agent.join('\n')}`);
    });
    const names = new Set(last.agent.map((alert) => (JSON.parse(alert) as { labels: Record<string, string> }).labels.alertname));
    expect([...names].sort()).toEqual(['NodeCPUHighUsage', 'NodeFilesystemAlmostOutOfSpace', 'NodeMemoryHighUtilization']);
  });
});
