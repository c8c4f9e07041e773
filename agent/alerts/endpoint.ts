/**
 * GET /api/alerts: the pending and firing alerts in the JSON shape of Prometheus' GET /api/v1/alerts, so that its
 * tooling reads it; and hostfeed_alerts{alertname,severity,state} in /metrics: counts, not one series per alert (that
 * would copy Prometheus' own ALERTS). Behind the same auth and CORS as /api/snapshot (the routers before this one).
 */
import { Router } from 'express';
import { Gauge } from '../metrics/prom-client';
import type { AgentContext, Endpoint } from '../context';
import type { AlertEvent } from '../events';
import { alertCounts, type AlertEngine } from './engine';

/** A float as Go's strconv.FormatFloat(v, 'e', -1, 64), which Prometheus uses for `value`: 90.5 -> "9.05e+01". */
export function goExponent(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

/** One alert as Prometheus' /api/v1/alerts has it. */
export function prometheusAlert(alert: AlertEvent) {
  return {
    labels: alert.labels,
    annotations: { description: alert.description, summary: alert.summary },
    state: alert.state,
    activeAt: new Date(alert.activeAt).toISOString(),
    value: goExponent(alert.value),
  };
}

function registerAlertMetrics(context: AgentContext, engine: AlertEngine): void {
  if (!context.metrics) return;
  new Gauge({
    name: 'hostfeed_alerts',
    help: "hostfeed: Alerts pending and firing, per rule and severity (Prometheus' ALERTS has each alert).",
    labelNames: ['alertname', 'severity', 'state'],
    registers: [context.metrics],
    collect() {
      this.reset();
      for (const { count, ...labels } of alertCounts(engine)) this.set(labels, count);
    },
  });
}

export function alertsEndpoint(context: AgentContext): Endpoint {
  const { alerts, feed } = context;
  if (alerts) registerAlertMetrics(context, alerts);
  const topics = [...new Set(alerts?.rules.map((rule) => rule.topic))];
  const router = Router();
  // With nobody watching, the rules may not have seen a sample for a while: as /api/snapshot, each of their topics is
  // read afresh unless its latest sample is younger than its interval, and the rules are evaluated on it.
  router.get('/api/alerts', async (_req, res) => {
    await Promise.all(topics.map((topic) => feed.sample(topic, feed.intervals[topic] ?? 0)));
    res.set('Cache-Control', 'no-store').json({ status: 'success', data: { alerts: (alerts?.active() ?? []).map(prometheusAlert) } });
  });
  return { router };
}
