/**
 * The agent side by side with a real node_exporter (Debian package prometheus-node-exporter) on this host, with the
 * same collectors and exclusions, both scraped at the same moment: the families exist in both with the same type,
 * label names and HELP, and the figures agree (memory, sizes and process limits exactly, CPU within a sample interval,
 * disk bytes within 1%, the process count within 10% and 10).
 * Then both on the same fixture tree, where every stat, netdev, netclass and pressure series must be equal.
 */
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { parseConfig } from '../../agent/config';
import { silentLogger } from '../../agent/logger';
import { startNodeExporter, type RunningNodeExporter } from '../../bench/node-exporter';
import { waitForUrl } from '../../bench/processes';
import { labelNamesOf, parseExposition, type ParsedFamily } from '../helpers/exposition';
import { PROGRAMS, requireProgram } from '../helpers/programs';

/**
 * Sample interval of every collector here: disk too, so that the byte counters are at most a second apart. The
 * timeout (by default the interval) is the longest allowed: on a loaded machine a first statfs round took over 1 s,
 * and a timed-out collector leaves its families out, which this test would read as missing.
 */
const INTERVAL = { interval: '1s', timeout: '1m' };
/** Two readings of the kernel's CPU counters, each in 10 ms ticks, may also differ by a tick each way. */
const TICK_SECONDS = 0.01;

const FAMILIES = [
  'node_cpu_seconds_total', 'node_cpu_guest_seconds_total', 'node_load1', 'node_load5', 'node_load15', 'node_memory_MemTotal_bytes',
  'node_filesystem_size_bytes', 'node_filesystem_free_bytes', 'node_filesystem_avail_bytes', 'node_filesystem_files',
  'node_filesystem_files_free', 'node_filesystem_readonly', 'node_filesystem_device_error', 'node_filesystem_mount_info',
  'node_disk_reads_completed_total', 'node_disk_reads_merged_total', 'node_disk_read_bytes_total', 'node_disk_read_time_seconds_total',
  'node_disk_writes_completed_total', 'node_disk_writes_merged_total', 'node_disk_written_bytes_total', 'node_disk_write_time_seconds_total',
  'node_disk_io_now', 'node_disk_io_time_seconds_total', 'node_disk_io_time_weighted_seconds_total', 'node_uname_info',
  'node_boot_time_seconds', 'node_time_seconds',
  'node_intr_total', 'node_context_switches_total', 'node_forks_total', 'node_procs_running', 'node_procs_blocked',
  'node_network_receive_bytes_total', 'node_network_receive_packets_total', 'node_network_receive_errs_total', 'node_network_receive_drop_total',
  'node_network_transmit_bytes_total', 'node_network_transmit_packets_total', 'node_network_transmit_errs_total', 'node_network_transmit_drop_total',
  'node_network_up', 'node_network_info', 'node_network_mtu_bytes',
  'node_processes_max_processes', 'node_processes_max_threads', 'node_processes_pids', 'node_processes_state', 'node_processes_threads',
  'node_processes_threads_state',
];
/** Only where the kernel has PSI (4.20+ with it on): then node_exporter has them too. */
const PRESSURE_FAMILIES = [
  'node_pressure_cpu_waiting_seconds_total', 'node_pressure_io_waiting_seconds_total', 'node_pressure_io_stalled_seconds_total',
  'node_pressure_memory_waiting_seconds_total', 'node_pressure_memory_stalled_seconds_total',
];
/** Only where the kernel has the columns (4.18+, 5.5+): then node_exporter has them too. */
const DISK_FAMILIES_OF_NEWER_KERNELS = [
  'node_disk_discards_completed_total', 'node_disk_discards_merged_total', 'node_disk_discarded_sectors_total',
  'node_disk_discard_time_seconds_total', 'node_disk_flush_requests_total', 'node_disk_flush_requests_time_seconds_total',
];

/**
 * node_exporter 1.8.0 added the device_error label to the filesystem families and node_filesystem_mount_info;
 * hostfeed follows 1.8+. An older node_exporter (Debian 12 ships 1.5.0) is compared without them.
 */
function isBefore18(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 1 || (major === 1 && minor < 8);
}

const sampleKey = (labels: Record<string, string>, names: string[]) => names.map((n) => `${n}=${labels[n]}`).join(',');

describe('hostfeed next to node_exporter', () => {
  requireProgram(PROGRAMS.nodeExporter);
  let agent: RunningAgent;
  let nodeExporter: RunningNodeExporter;
  let ours: Map<string, ParsedFamily>;
  let theirs: Map<string, ParsedFamily>;
  let olderNodeExporter: boolean;
  let cpuDriftBound: number;

  beforeAll(async () => {
    const collectors = { cpu: INTERVAL, memory: INTERVAL, load: INTERVAL, disk: INTERVAL, network: INTERVAL, pressure: INTERVAL, processes: INTERVAL };
    const config = parseConfig({ port: 0, collectors }, 'e2e');
    agent = await startAgent(config, { logger: silentLogger() });
    nodeExporter = await startNodeExporter(config);
    await waitForUrl(`${agent.url}/healthz`);
    // Both read the kernel while they answer, after this moment (the agent reuses no reading older than its 500 ms freshness).
    const sampledAt = Date.now() - 500;
    const [a, b] = await Promise.all([fetch(`${agent.url}/metrics`), fetch(nodeExporter.metricsUrl)]);
    [ours, theirs] = [parseExposition(await a.text()), parseExposition(await b.text())];
    // A CPU spends at most one second per second in any mode: the counters cannot drift apart by more than the time
    // between the two readings.
    cpuDriftBound = (Date.now() - sampledAt) / 1000 + 2 * TICK_SECONDS;
    const version = theirs.get('node_exporter_build_info')?.samples[0]?.labels.version;
    if (!version) throw new Error('node_exporter serves no node_exporter_build_info: cannot tell which label set to expect');
    olderNodeExporter = isBefore18(version);
  });

  afterAll(async () => {
    await nodeExporter?.stop();
    await agent?.stop();
  });

  const both = (name: string): [ParsedFamily, ParsedFamily] => {
    const [a, b] = [ours.get(name), theirs.get(name)];
    if (!a || !b) throw new Error(`${name}: ${a ? '' : 'missing in hostfeed '}${b ? '' : 'missing in node_exporter'}`);
    return [a, b];
  };

  it('every family exists in both with the same type, label names and HELP', () => {
    const ofThisKernel = [...DISK_FAMILIES_OF_NEWER_KERNELS, ...PRESSURE_FAMILIES].filter((name) => theirs.has(name));
    const expected = [...FAMILIES, ...ofThisKernel];
    const differences: string[] = [];
    for (const name of expected) {
      if (olderNodeExporter && name === 'node_filesystem_mount_info') {
        expect(ours.has(name)).toBe(true);
        continue;
      }
      const [a, b] = both(name);
      const theirLabels = labelNamesOf(b);
      if (olderNodeExporter && name.startsWith('node_filesystem_')) theirLabels.push('device_error');
      // adminstate came with node_exporter 1.6.
      if (name === 'node_network_info' && !theirLabels.includes('adminstate')) theirLabels.push('adminstate');
      if (a.type !== b.type) differences.push(`${name}: type ${a.type} vs ${b.type}`);
      if (a.help !== b.help) differences.push(`${name}: HELP ${JSON.stringify(a.help)} vs ${JSON.stringify(b.help)}`);
      if (labelNamesOf(a).join() !== theirLabels.sort().join()) differences.push(`${name}: labels ${labelNamesOf(a)} vs ${theirLabels}`);
    }
    expect(differences).toEqual([]);
  });

  it('every node_memory_* family of node_exporter, alike, with the same value where it holds still (MemTotal)', () => {
    const unlike = [...theirs.values()]
      .filter(({ name }) => name.startsWith('node_memory_'))
      .filter(({ name, type, help }) => ours.get(name)?.type !== type || ours.get(name)?.help !== help)
      .map(({ name }) => name);
    expect(unlike).toEqual([]);
    const [a, b] = both('node_memory_MemTotal_bytes');
    expect(a.samples[0]!.value).toBe(b.samples[0]!.value);
  });

  it('the same mountpoints, each of the same size', () => {
    const [a, b] = both('node_filesystem_size_bytes');
    const sizes = (f: ParsedFamily) => new Map(f.samples.map((s) => [s.labels.mountpoint!, s.value]));
    expect(sizes(a)).toEqual(sizes(b));
    expect(a.samples.length).toBeGreaterThan(0);
  });

  it('CPU counters within the time between the two readings (about a sample interval) of each other', () => {
    const [a, b] = both('node_cpu_seconds_total');
    const names = ['cpu', 'mode'];
    const theirValues = new Map(b.samples.map((s) => [sampleKey(s.labels, names), s.value]));
    expect(a.samples.map((s) => sampleKey(s.labels, names)).sort()).toEqual([...theirValues.keys()].sort());
    const drifts = a.samples
      .map((s) => ({ series: sampleKey(s.labels, names), drift: Math.abs(s.value - theirValues.get(sampleKey(s.labels, names))!) }))
      .filter(({ drift }) => drift > cpuDriftBound);
    expect({ cpuDriftBound, drifts }).toEqual({ cpuDriftBound, drifts: [] });
  });

  it('the same process limits; about as many processes (others start and end between the two readings)', () => {
    for (const name of ['node_processes_max_processes', 'node_processes_max_threads']) {
      const [a, b] = both(name);
      expect([name, a.samples[0]!.value]).toEqual([name, b.samples[0]!.value]);
    }
    const [a, b] = both('node_processes_pids');
    expect(Math.abs(a.samples[0]!.value - b.samples[0]!.value)).toBeLessThanOrEqual(10 + 0.1 * b.samples[0]!.value);
  });

  it("the exporter's own: a success and a duration for each of node_exporter's collectors but uname and time, and the same address-space limit", () => {
    const collectorsOf = (families: Map<string, ParsedFamily>, name: string) => families.get(name)?.samples.map((s) => s.labels.collector).sort();
    const always = ['time', 'uname'];
    for (const name of ['node_scrape_collector_success', 'node_scrape_collector_duration_seconds']) {
      expect([name, collectorsOf(ours, name)]).toEqual([name, collectorsOf(theirs, name)!.filter((collector) => !always.includes(collector))]);
      expect([name, ours.get(name)?.type]).toEqual([name, theirs.get(name)?.type]);
    }
    expect(ours.get('node_scrape_collector_success')!.samples.every((s) => s.value === 1)).toBe(true);
    // Both inherit this test process' limits.
    const [a, b] = both('process_virtual_memory_max_bytes');
    expect(a.samples[0]!.value).toBe(b.samples[0]!.value);
    expect(ours.get('process_virtual_memory_bytes')!.samples[0]!.value).toBeGreaterThan(0);
  });

  it('disk byte counters within 1%', () => {
    for (const name of ['node_disk_read_bytes_total', 'node_disk_written_bytes_total']) {
      const [a, b] = both(name);
      const theirValues = new Map(b.samples.map((s) => [s.labels.device, s.value]));
      expect(a.samples.map((s) => s.labels.device).sort()).toEqual([...theirValues.keys()].sort());
      for (const s of a.samples) {
        const theirs = theirValues.get(s.labels.device)!;
        expect({ name, device: s.labels.device, within1Percent: Math.abs(s.value - theirs) <= 0.01 * Math.max(theirs, 1) }).toEqual({
          name,
          device: s.labels.device,
          within1Percent: true,
        });
      }
    }
  });
});

/**
 * Both on the same fixture tree (test/fixtures/proc and test/fixtures/sys, captured on this VM): nothing moves, so every
 * series of node_exporter's stat, netdev, netclass and pressure collectors that hostfeed also serves must be there with
 * the very same labels and value.
 */
describe('hostfeed next to node_exporter on the fixture tree', () => {
  requireProgram(PROGRAMS.nodeExporter);
  const FIXTURE_COLLECTORS = ['stat', 'netdev', 'netclass', 'pressure'];
  /** What the fixture has of those collectors: hostfeed serves each, node_exporter too. */
  const FIXTURE_FAMILIES = [
    'node_intr_total', 'node_context_switches_total', 'node_forks_total', 'node_procs_running', 'node_procs_blocked', 'node_boot_time_seconds',
    'node_network_up', 'node_network_info', 'node_network_mtu_bytes', 'node_network_speed_bytes',
    ...['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'].map((c) => `node_network_receive_${c}_total`),
    ...['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'].map((c) => `node_network_transmit_${c}_total`),
    'node_pressure_cpu_waiting_seconds_total', 'node_pressure_io_waiting_seconds_total', 'node_pressure_io_stalled_seconds_total',
    'node_pressure_memory_waiting_seconds_total', 'node_pressure_memory_stalled_seconds_total',
  ];
  let agent: RunningAgent;
  let nodeExporter: RunningNodeExporter;
  let ours: Map<string, ParsedFamily>;
  let theirs: Map<string, ParsedFamily>;
  /** node_exporter before 1.6 has no adminstate label on node_network_info (Debian 12 ships 1.5.0). */
  let withoutAdminstate: boolean;

  beforeAll(async () => {
    const off = { enabled: false };
    const config = parseConfig(
      { port: 0, procfsRoot: join(__dirname, '../fixtures/proc'), sysfsRoot: join(__dirname, '../fixtures/sys'), collectors: { memory: off, disk: off, load: off } },
      'e2e-fixture',
    );
    agent = await startAgent(config, { logger: silentLogger() });
    nodeExporter = await startNodeExporter(config, FIXTURE_COLLECTORS);
    await waitForUrl(`${agent.url}/healthz`);
    const [a, b] = await Promise.all([fetch(`${agent.url}/metrics`), fetch(nodeExporter.metricsUrl)]);
    [ours, theirs] = [parseExposition(await a.text()), parseExposition(await b.text())];
    const version = theirs.get('node_exporter_build_info')!.samples[0]!.labels.version!;
    const [major = 0, minor = 0] = version.split('.').map(Number);
    withoutAdminstate = major < 1 || (major === 1 && minor < 6);
  });

  afterAll(async () => {
    await nodeExporter?.stop();
    await agent?.stop();
  });

  /** Each series as `labels=value`, sorted: equal lists are the same series with the same values. */
  const seriesOf = (family: ParsedFamily | undefined, dropLabels: string[] = []) =>
    (family?.samples ?? [])
      .map((s) => {
        const labels = Object.entries(s.labels).filter(([name]) => !dropLabels.includes(name)).sort(([x], [y]) => (x < y ? -1 : 1));
        return `${JSON.stringify(labels)}=${s.value}`;
      })
      .sort();

  it.each(FIXTURE_FAMILIES)('%s: the same type, HELP, series and values', (name) => {
    const [a, b] = [ours.get(name), theirs.get(name)];
    expect({ name, ours: !!a, theirs: !!b }).toEqual({ name, ours: true, theirs: true });
    expect({ type: a!.type, help: a!.help }).toEqual({ type: b!.type, help: b!.help });
    const drop = withoutAdminstate && name === 'node_network_info' ? ['adminstate'] : [];
    expect(seriesOf(a, drop)).toEqual(seriesOf(b));
  });

  it('serves no network, pressure or stat family that node_exporter does not', () => {
    const ownFamilies = [...ours.keys()].filter((name) => /^node_(network|pressure|procs|intr|forks|context)_/.test(name));
    expect(ownFamilies.filter((name) => !theirs.has(name))).toEqual([]);
  });
});
