/**
 * The agent's own prom-client registry, for the hostfeed_* metrics parts of the agent register (the process_* and
 * nodejs_* families are ./process.ts). One per agent, never prom-client's global one: tests start several agents in
 * one process.
 *
 * To add a metric, register it in `context.metrics` (AgentContext) and read its value lazily in `collect()`, with
 * Counter and Gauge from ./prom-client.ts (never the package's index: test/integration/footprint.test.ts), e.g.
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
import { Registry } from './prom-client';
import type { Logger } from '../logger';
import type { Family, FamilyType } from './family';

/** The registry the agent's own hostfeed_* metrics register in (context.metrics). */
export function createAgentRegistry(): Registry {
  return new Registry();
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
