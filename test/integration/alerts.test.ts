/**
 * Alerts on the real agent with the fake source: GET /api/alerts in the shape of Prometheus' /api/v1/alerts, the
 * alert topic of /events (pending and firing alerts in the burst a new client gets, replayed by Last-Event-ID), and
 * hostfeed_alerts in /metrics. Thresholds are set so that the fake host matches: memory above 0 % at once (for: 0),
 * the root filesystem above half used for an hour (pending).
 */
import { alertEventSchema, type AlertEvent } from '../../agent/events';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { closeAfterEach, isEvent, seqOf } from '../helpers/sse-stream';
import { until } from '../helpers/until';

const { open } = closeAfterEach();
afterEach(stopTestAgents);

const ALERTS = {
  labels: { job: 'node' },
  rules: { NodeMemoryHighUtilization: { above: 0, for: 0 } },
  custom: { RootHalfUsed: { topic: 'disk', field: 'filesystems.usedRatio', above: 0.5, for: '1h' } },
};

interface PrometheusAlerts {
  status: string;
  data: { alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt: string; value: string }[] };
}

async function alertsOf(url: string): Promise<PrometheusAlerts> {
  const res = await fetch(`${url}/api/alerts`);
  expect(res.status).toBe(200);
  return (await res.json()) as PrometheusAlerts;
}

describe('alerts on the agent', () => {
  it("GET /api/alerts answers the pending and firing alerts as Prometheus' /api/v1/alerts", async () => {
    const agent = await startTestAgent({ alerts: ALERTS });
    const body = await until('both alerts active', () => alertsOf(agent.url), (b) => b.data.alerts.length === 2);
    expect(body.status).toBe('success');
    const byName = Object.fromEntries(body.data.alerts.map((alert) => [alert.labels.alertname, alert]));
    expect(byName.NodeMemoryHighUtilization).toMatchObject({
      labels: { alertname: 'NodeMemoryHighUtilization', instance: 'fake-host', job: 'node', severity: 'warning' },
      annotations: { summary: 'Host is running out of memory.', description: expect.stringMatching(/^Memory is filling up at fake-host, has been above 0% /) },
      state: 'firing',
    });
    expect(byName.RootHalfUsed).toMatchObject({
      labels: { alertname: 'RootHalfUsed', device: '/dev/sda1', fstype: 'ext4', instance: 'fake-host', job: 'node', mountpoint: '/', severity: 'warning' },
      state: 'pending',
    });
    for (const alert of body.data.alerts) {
      expect(Object.keys(alert).sort()).toEqual(['activeAt', 'annotations', 'labels', 'state', 'value']);
      // RFC 3339, and the value as Go's strconv.FormatFloat(v, 'e', -1, 64) writes it.
      expect(new Date(alert.activeAt).toISOString()).toBe(alert.activeAt);
      expect(alert.value).toMatch(/^-?\d(\.\d+)?e[+-]\d{2,}$/);
    }
    // The fake mount: 60 GiB used of 60 + 35 available (the event's ratio has 4 decimals).
    expect(Number(byName.RootHalfUsed!.value)).toBeCloseTo(60 / 95, 4);
  });

  it('the alert topic: active alerts in the burst of a new client, resumable, and filterable', async () => {
    const agent = await startTestAgent({ alerts: ALERTS });
    await until('both alerts active', () => alertsOf(agent.url), (b) => b.data.alerts.length === 2);
    const stream = await open(`${agent.url}/events?topics=alert`);
    const [hello] = await stream.waitFor(isEvent('hello'));
    expect(JSON.parse((hello as { data: string }).data).topics).toEqual(['alert']);
    const burst = (await stream.waitFor(isEvent('alert'), 2)).map((item) => item as { id: string; data: string });
    const events = burst.map((item) => alertEventSchema.parse(JSON.parse(item.data)) as AlertEvent);
    expect(events.map((event) => `${event.name}:${event.state}`).sort()).toEqual(['NodeMemoryHighUtilization:firing', 'RootHalfUsed:pending']);
    expect(stream.events().every((event) => event.event === 'hello' || event.event === 'alert')).toBe(true);
    // Resuming from before the first of them replays them from the ring, with the same ids.
    const first = Math.min(...burst.map((item) => seqOf(item.id)));
    const resumed = await open(`${agent.url}/events?topics=alert&lastEventId=${agent.context.boot}-${first - 1}`);
    const replayed = await resumed.waitFor(isEvent('alert'), 2);
    expect(replayed.map((item) => (item as { id: string }).id)).toEqual(expect.arrayContaining(burst.map((item) => item.id)));
  });

  it('counts them in hostfeed_alerts', async () => {
    const agent = await startTestAgent({ alerts: ALERTS });
    await until('both alerts active', () => alertsOf(agent.url), (b) => b.data.alerts.length === 2);
    const text = await (await fetch(`${agent.url}/metrics`)).text();
    expect(text).toContain('# TYPE hostfeed_alerts gauge');
    expect(text).toContain('hostfeed_alerts{alertname="NodeMemoryHighUtilization",severity="warning",state="firing"} 1');
    expect(text).toContain('hostfeed_alerts{alertname="RootHalfUsed",severity="warning",state="pending"} 1');
    expect(text).toContain('hostfeed_alerts{alertname="NodeCPUHighUsage",severity="info",state="firing"} 0');
  });

  it('alerts.enabled false: no alert topic, an empty list', async () => {
    const agent = await startTestAgent({ alerts: { ...ALERTS, enabled: false } });
    expect(await alertsOf(agent.url)).toEqual({ status: 'success', data: { alerts: [] } });
    const res = await fetch(`${agent.url}/events?topics=alert`, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/^topics: "alert" is not enabled on this agent/) });
  });
});
