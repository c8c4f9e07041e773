/**
 * The agent's own prom-client registry: prom-client's process_* and nodejs_* metrics, plus whatever other parts of
 * the agent register. One per agent, never prom-client's global one: tests start several agents in one process.
 *
 * To add a metric, register it in `context.metrics` (AgentContext) and read its value lazily in `collect()`, e.g.
 *
 *   new Gauge({
 *     name: 'hostfeed_sse_clients',
 *     help: 'SSE clients connected.',
 *     registers: context.metrics ? [context.metrics] : [],
 *     collect() { this.set(hub.size); },
 *   });
 *
 * Names start with `hostfeed_`; the host's own series (node_*) are built at scrape time by ./scrape.ts instead.
 * A collect() that throws costs only its own metric (logged), never the scrape.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { Family, FamilyType } from './family';

/**
 * prom-client's gauges named like counters, which promtool rejects ("non-counter metrics should not have _total
 * suffix"); each is the sum of the per-type gauge of the same name without `_total`, which stays.
 */
const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * prom-client samples event-loop delay with a libuv timer at this resolution. Its default, 10 ms, wakes the agent
 * 100 times a second: measured here, that alone cost 0.27 CPU-seconds a minute, more than node_exporter's whole
 * budget. One sample a second still catches the stalls that matter to a 1 s sampling agent.
 */
const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

/** The registry the agent's own hostfeed_* metrics register in (context.metrics). */
export function createAgentRegistry(): Registry {
  return new Registry();
}

/** prom-client's process_* and nodejs_* metrics, in a registry of their own: they are read through a cache. */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  for (const name of GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(name);
  return registry;
}

/**
 * How long the process metrics are served from the last reading. Reading them (process.memoryUsage, /proc/self
 * status and fd, the event-loop histogram's statistics) measured about 3 ms of CPU per scrape at a 1 s scrape
 * interval, as much as rendering every host series: an agent scraped every second spent more on watching itself
 * than on the host. The agent's own process does not need finer than 5 s; host series are always fresh.
 */
export const PROCESS_METRICS_MAX_AGE_MS = 5000;

/** Reads `registry` at most once per `maxAgeMs`, serving the last reading in between. */
export function cachedRegistryReader(registry: Registry, logger: Logger, maxAgeMs = PROCESS_METRICS_MAX_AGE_MS, now: () => number = Date.now) {
  let last: { at: number; families: Promise<Family[]> } | undefined;
  return (): Promise<Family[]> => {
    const at = now();
    if (!last || at - last.at >= maxAgeMs) last = { at, families: readRegistry(registry, logger) };
    return last.families;
  };
}

/** What Registry.getMetricsAsArray() holds: prom-client's metrics, whose typings leave get() out. */
interface RegisteredMetric {
  name: string;
  get(): Promise<{ name: string; help: string; type: string; values: { metricName?: string; labels: object; value: number }[] }>;
}

const FAMILY_TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] satisfies FamilyType[];

function labelsOf(labels: object): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) result[name] = String(value);
  return result;
}

async function familyOf(metric: RegisteredMetric): Promise<Family> {
  const { name, help, type, values } = await metric.get();
  return {
    name,
    help,
    type: FAMILY_TYPES.includes(type) ? (type as FamilyType) : 'untyped',
    series: values.map((v) => ({ name: v.metricName, labels: labelsOf(v.labels), value: v.value })),
  };
}

/** Every registered metric as a family; one whose collect() fails is left out and logged. */
export async function readRegistry(registry: Registry, logger: Logger): Promise<Family[]> {
  const metrics = registry.getMetricsAsArray() as unknown as RegisteredMetric[];
  const results = await Promise.allSettled(metrics.map((metric) => Promise.resolve().then(() => familyOf(metric))));
  return results.flatMap((result, i) => {
    if (result.status === 'fulfilled') return [result.value];
    logger.warn({ err: result.reason, metric: metrics[i]!.name }, 'metric left out of the scrape: its collect() failed');
    return [];
  });
}
