/**
 * hostfeed's stat, network, pressure and processes families of the fixture tree (test/fixtures/proc and sys), read by
 * the procfs source, against what the real node_exporter served on the same files (test/fixtures/node-exporter/
 * fixture-tree-output.txt, captured once: see the README beside it): the same families, types, HELP, labels and values.
 * The e2e suite (node-exporter-compare) runs node_exporter live; this one needs none, so that it runs everywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeText } from '../../agent/metrics/exposition';
import { networkFamilies } from '../../agent/metrics/network';
import { pressureFamilies } from '../../agent/metrics/pressure';
import { processesFamilies } from '../../agent/metrics/processes';
import { statFamilies } from '../../agent/metrics/stat';
import { createProcfsSource } from '../../agent/sources/procfs/source';
import type { Source } from '../../agent/sources/types';
import { parseExposition, type ParsedFamily } from '../helpers/exposition';

const FIXTURES = join(__dirname, '../fixtures');
const nodeExporter = parseExposition(readFileSync(join(FIXTURES, 'node-exporter/fixture-tree-output.txt'), 'utf8'));
/** node_exporter 1.5.0, the captured one, has no adminstate label on node_network_info (it came with 1.6). */
const NEWER_LABELS: Record<string, string[]> = { node_network_info: ['adminstate'] };
/**
 * node_boot_time_seconds: served by hostfeed from its inventory, read once at start (system.ts), not by these families;
 * node_network_flags: of the netclass families hostfeed serves only up, info, mtu and speed (docs/metrics.md).
 */
const ELSEWHERE = ['node_boot_time_seconds', 'node_network_flags'];

/** Each series as sorted `labels=value`: equal lists are the same series with the same values. */
const seriesOf = (family: ParsedFamily, dropLabels: string[] = []) =>
  family.samples
    .map((s) => `${JSON.stringify(Object.entries(s.labels).filter(([name]) => !dropLabels.includes(name)).sort(([x], [y]) => (x < y ? -1 : 1)))}=${s.value}`)
    .sort();

describe("the fixture tree's stat, network, pressure and processes families, as node_exporter served them", () => {
  let source: Source;
  beforeAll(async () => {
    source = createProcfsSource({ root: join(FIXTURES, 'proc'), sysfsRoot: join(FIXTURES, 'sys'), rootfs: join(FIXTURES, 'proc', 'nonexistent-rootfs') });
  });
  afterAll(() => source.close?.());

  // Built in each test, not once before them: the mutation run credits a test only with the code run inside it.
  const oursOf = async (): Promise<Map<string, ParsedFamily>> =>
    parseExposition(
      writeText([
        ...statFamilies(await source.cpu()),
        ...networkFamilies(await source.network()),
        ...pressureFamilies(await source.pressure()),
        ...processesFamilies(await source.processes!(() => [])),
      ]),
    );

  it('every family of node_exporter is served (but those above), and none it does not have', async () => {
    expect([...(await oursOf()).keys()].sort()).toEqual([...nodeExporter.keys()].filter((name) => !ELSEWHERE.includes(name)).sort());
  });

  it.each([...nodeExporter.keys()].filter((name) => !ELSEWHERE.includes(name)))('%s: the same type, HELP, series and values', async (name) => {
    const [a, b] = [(await oursOf()).get(name)!, nodeExporter.get(name)!];
    expect({ name, type: a.type, help: a.help }).toEqual({ name, type: b.type, help: b.help });
    expect(seriesOf(a, NEWER_LABELS[name])).toEqual(seriesOf(b));
  });

  it("node_network_info of an interface whose files could not be read: empty labels, adminstate unknown, as node_exporter's netclass", () => {
    const families = parseExposition(writeText(networkFamilies({ devices: [], classes: [{ device: 'x0' }] })));
    expect(families.get('node_network_info')!.samples.map((s) => s.labels)).toEqual([
      { device: 'x0', address: '', broadcast: '', duplex: '', operstate: '', ifalias: '', adminstate: 'unknown' },
    ]);
  });

  it("node_pressure_irq_stalled_seconds_total (kernels with /proc/pressure/irq; node_exporter 1.7's pressure collector)", () => {
    const irq = parseExposition(writeText(pressureFamilies({ irq: { full: 2_500_000 } }))).get('node_pressure_irq_stalled_seconds_total')!;
    // collector/pressure_linux.go's description of irqFull.
    expect({ type: irq.type, help: irq.help, value: irq.samples[0]!.value }).toEqual({
      type: 'counter',
      help: 'Total time in seconds no process could make progress due to IRQ congestion',
      value: 2.5,
    });
  });

  it("node_processes_state's series in node_exporter's order (by state letter), not only the same set", async () => {
    const order = (families: Map<string, ParsedFamily>) => families.get('node_processes_state')!.samples.map((s) => s.labels.state);
    expect(order(await oursOf())).toEqual(order(nodeExporter));
  });

  it("node_network_info's adminstate (node_exporter 1.6+) is the IFF_UP bit of each interface's flags", async () => {
    const flags = (device: string) => Number(readFileSync(join(FIXTURES, 'sys/class/net', device, 'flags'), 'utf8'));
    for (const sample of (await oursOf()).get('node_network_info')!.samples) {
      expect([sample.labels.device, sample.labels.adminstate]).toEqual([sample.labels.device, flags(sample.labels.device!) & 1 ? 'up' : 'down']);
    }
  });
});
