/**
 * The alert engine: a sink of the feed, as the SSE hub and /metrics are. At each sample it evaluates the rules of the
 * sample's topic and walks each alert through Prometheus' life cycle: a match makes it pending (at once firing when
 * `for` is 0), pending for `for` makes it firing, a firing alert that stops matching is resolved, a pending one goes
 * back to inactive. Times are the samples' own (`ts`), so evaluation needs no clock. Every change is one alert item.
 */
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { AlertEvent } from '../events';
import type { FeedItem } from '../samples';
import type { Severity } from './config';
import { expand } from './template';
import type { Labels, Rule } from './types';

/** An alert event on its way to the SSE hub. */
export interface AlertItem {
  topic: 'alert';
  data: AlertEvent;
}

export interface AlertEngine {
  readonly rules: readonly Rule[];
  /** Hot: every state change. */
  readonly items$: Observable<AlertItem>;
  /** The pending and firing alerts, as of their last evaluation, oldest first. */
  active(): AlertEvent[];
  /** Stops evaluating; items$ completes. */
  stop(): void;
}

interface Alert {
  rule: Rule;
  labels: Labels;
  state: 'pending' | 'firing';
  activeAt: number;
  firedAt?: number;
  value: number;
  ts: number;
}

/** Labels sorted by name, as Prometheus orders them; `labels` wins over `base` (as a series' own label would). */
function sortedLabels(rule: Rule, base: Labels, own: Labels): Labels {
  const all: Labels = { ...base, ...own, alertname: rule.name, severity: rule.severity };
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function eventOf(alert: Alert, state: AlertEvent['state'], resolvedAt?: number): AlertEvent {
  const { rule, labels, value } = alert;
  return {
    ts: alert.ts,
    name: rule.name,
    state,
    severity: rule.severity,
    labels,
    summary: expand(rule.summary, labels, value),
    description: expand(rule.description, labels, value),
    value,
    activeAt: alert.activeAt,
    forMs: rule.forMs,
    ...(alert.firedAt !== undefined ? { firedAt: alert.firedAt } : {}),
    ...(resolvedAt !== undefined ? { resolvedAt } : {}),
  };
}

/** `labels`: what every alert carries (instance, and any of alerts.labels). */
export function createAlertEngine(rules: readonly Rule[], items$: Observable<FeedItem>, labels: Labels): AlertEngine {
  const out$ = new Subject<AlertItem>();
  /** Per rule, its pending and firing alerts by their labels. */
  const alerts = new Map<Rule, Map<string, Alert>>(rules.map((rule) => [rule, new Map()]));
  const emit = (alert: Alert, state: AlertEvent['state'], resolvedAt?: number) => out$.next({ topic: 'alert', data: eventOf(alert, state, resolvedAt) });

  const evaluate = (rule: Rule, item: FeedItem) => {
    if (item.topic === 'collector-error') return;
    const ts = item.data.ts;
    const active = alerts.get(rule)!;
    const seen = new Set<string>();
    for (const match of rule.evaluate(item)) {
      const alertLabels = sortedLabels(rule, labels, match.labels);
      const key = JSON.stringify(alertLabels);
      seen.add(key);
      let alert = active.get(key);
      const isNew = !alert;
      if (!alert) active.set(key, (alert = { rule, labels: alertLabels, state: 'pending', activeAt: ts, value: match.value, ts }));
      alert.value = match.value;
      alert.ts = ts;
      if (alert.state === 'pending' && ts - alert.activeAt >= rule.forMs) {
        alert.state = 'firing';
        alert.firedAt = ts;
        emit(alert, 'firing');
      } else if (isNew) {
        emit(alert, 'pending');
      }
    }
    for (const [key, alert] of active) {
      if (seen.has(key)) continue;
      active.delete(key);
      alert.ts = ts;
      emit(alert, alert.state === 'firing' ? 'resolved' : 'inactive', ts);
    }
  };

  const byTopic = new Map<string, Rule[]>();
  for (const rule of rules) byTopic.set(rule.topic, [...(byTopic.get(rule.topic) ?? []), rule]);
  const subscription: Subscription = items$.subscribe({
    next: (item) => {
      for (const rule of byTopic.get(item.topic) ?? []) evaluate(rule, item);
    },
    complete: () => out$.complete(),
  });

  return {
    rules,
    items$: out$.asObservable(),
    active: () =>
      [...alerts.values()]
        .flatMap((active) => [...active.values()])
        .sort((a, b) => a.activeAt - b.activeAt)
        .map((alert) => eventOf(alert, alert.state)),
    stop() {
      subscription.unsubscribe();
      out$.complete();
    },
  };
}

/** Pending and firing alerts per rule name and severity, for hostfeed_alerts (every rule's pair, 0 when none). */
export function alertCounts(engine: AlertEngine): { alertname: string; severity: Severity; state: 'pending' | 'firing'; count: number }[] {
  const active = engine.active();
  return engine.rules.flatMap((rule) =>
    (['pending', 'firing'] as const).map((state) => ({
      alertname: rule.name,
      severity: rule.severity,
      state,
      count: active.filter((alert) => alert.name === rule.name && alert.severity === rule.severity && alert.state === state).length,
    })),
  );
}
