/**
 * The bench's dependency-free floor reads what node_exporter reads: for every family the floor serves, node_exporter
 * (Debian's package, the same collectors and exclusions) serves the same series, so the floor's cost in the overhead
 * bench is the cost of the same work.
 */
import { join } from 'node:path';
import { parseConfig } from '../../agent/config';
import { startFloorAgent, type RunningFloor } from '../../bench/floor';
import { startNodeExporter, type RunningNodeExporter } from '../../bench/node-exporter';
import { parseExposition, type ParsedFamily } from '../helpers/exposition';
import { PROGRAMS, requireProgram } from '../helpers/programs';

const seriesOf = (family: ParsedFamily) => family.samples.map((s) => JSON.stringify(Object.entries(s.labels).sort())).sort();

describe('the bench floor next to node_exporter', () => {
  requireProgram(PROGRAMS.nodeExporter);
  let floor: RunningFloor;
  let nodeExporter: RunningNodeExporter;
  let ours: Map<string, ParsedFamily>;
  let theirs: Map<string, ParsedFamily>;

  beforeAll(async () => {
    floor = await startFloorAgent(join(__dirname, '../../dist/bench/floor-agent.js'));
    nodeExporter = await startNodeExporter(parseConfig({}, 'e2e'), ['cpu', 'meminfo', 'filesystem', 'diskstats', 'loadavg', 'uname', 'stat']);
    [ours, theirs] = await Promise.all([floor.metricsUrl, nodeExporter.metricsUrl].map(async (url) => parseExposition(await (await fetch(url)).text())));
  });
  afterAll(async () => {
    await floor?.stop();
    await nodeExporter?.stop();
  });

  test('serves the families of every collector hostfeed has', () => {
    for (const prefix of ['node_cpu_', 'node_memory_', 'node_load', 'node_disk_', 'node_filesystem_', 'node_uname_', 'node_boot_time']) {
      expect([...ours.keys()].some((name) => name.startsWith(prefix))).toBe(true);
    }
  });

  test('every family it serves, node_exporter serves with the same series', () => {
    for (const [name, family] of ours) {
      const peer = theirs.get(name);
      expect({ name, series: peer && seriesOf(peer) }).toEqual({ name, series: seriesOf(family) });
    }
  });

  test('node_exporter memory figures are all there', () => {
    const memory = (families: Map<string, ParsedFamily>) => [...families.keys()].filter((name) => name.startsWith('node_memory_')).sort();
    expect(memory(ours)).toEqual(memory(theirs));
  });
});
