/**
 * The agent's prom-client registry as /metrics writes it, against prom-client's own text writer (Registry.metrics())
 * on the same registry: the same families, HELP, types, sample names, labels and values.
 */
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { silentLogger } from '../../agent/logger';
import { writeText } from '../../agent/metrics/exposition';
import { readRegistry } from '../../agent/metrics/registry';
import { parseExposition } from '../helpers/exposition';

function registryOfEveryType(): Registry {
  const registry = new Registry();
  const requests = new Counter({ name: 'hostfeed_test_requests_total', help: 'Requests.', labelNames: ['code'], registers: [registry] });
  requests.inc({ code: '200' }, 3);
  requests.inc({ code: '503' });
  // A number as a label value: prom-client keeps it a number until it writes it.
  new Gauge({ name: 'hostfeed_test_shards', help: 'Shards.', labelNames: ['shard'], registers: [registry] }).set({ shard: 7 }, 2);
  new Gauge({ name: 'hostfeed_test_plain', help: 'No labels.', registers: [registry] }).set(0.5);
  const latency = new Histogram({ name: 'hostfeed_test_latency_seconds', help: 'Latency.', buckets: [0.1, 1], registers: [registry] });
  latency.observe(0.05);
  latency.observe(0.5);
  const sizes = new Summary({ name: 'hostfeed_test_size_bytes', help: 'Sizes.', percentiles: [0.5], registers: [registry] });
  sizes.observe(10);
  return registry;
}

describe('readRegistry', () => {
  it("every type as prom-client's own text writer writes the same registry", async () => {
    const registry = registryOfEveryType();
    const ours = parseExposition(writeText(await readRegistry(registry, silentLogger())));
    const theirs = parseExposition(await registry.metrics());
    expect(theirs.size).toBe(5);
    expect(ours).toEqual(theirs);
  });

  it('a label whose value was left undefined is absent, not "undefined" (an empty label is no label)', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'hostfeed_test_total', help: 'h', labelNames: ['a', 'b'], registers: [registry] });
    counter.inc({ a: 'x', b: undefined });
    const [family] = await readRegistry(registry, silentLogger());
    expect(family?.series).toEqual([{ name: undefined, labels: { a: 'x' }, value: 1 }]);
  });
});
