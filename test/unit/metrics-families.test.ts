import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuFamilies } from '../../agent/metrics/cpu';
import { diskstatsFamilies } from '../../agent/metrics/diskstats';
import { writeText } from '../../agent/metrics/exposition';
import { loadFamilies } from '../../agent/metrics/load';
import { memoryFamilies } from '../../agent/metrics/memory';
import { systemFamilies } from '../../agent/metrics/system';
import { parseDiskstats, parseLoadavg, parseMeminfo, parseStat } from '../../agent/sources/procfs/parse';
import { parseExposition } from '../helpers/exposition';
import { FAKE_INVENTORY } from '../helpers/fake-source';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/proc', name), 'utf8');
/** Lines but HELP: the HELP texts are node_exporter's, checked against node_exporter itself (e2e/node-exporter-compare). */
const linesOf = (text: string) => text.split('\n').filter((line) => !line.startsWith('# HELP '));

describe('families from the fixture /proc', () => {
  it('node_cpu_seconds_total: the kernel counters per CPU and mode, ticks / USER_HZ', () => {
    const text = writeText(cpuFamilies({ kind: 'counters', cpus: parseStat(fixture('stat')) }));
    expect(linesOf(text)).toEqual(
      expect.arrayContaining([
        '# TYPE node_cpu_seconds_total counter',
        'node_cpu_seconds_total{cpu="0",mode="user"} 74.86',
        'node_cpu_seconds_total{cpu="0",mode="idle"} 356.16',
        'node_cpu_seconds_total{cpu="1",mode="iowait"} 4.55',
        'node_cpu_seconds_total{cpu="1",mode="steal"} 0.44',
        '# TYPE node_cpu_guest_seconds_total counter',
        'node_cpu_guest_seconds_total{cpu="1",mode="nice"} 0',
      ]),
    );
    // 2 CPUs x 8 modes, 2 CPUs x 2 guest modes; the aggregate "cpu" line is not a CPU.
    expect(text.match(/^node_cpu_seconds_total\{/gm)).toHaveLength(16);
    expect(text.match(/^node_cpu_guest_seconds_total\{/gm)).toHaveLength(4);
  });

  it('node_memory_*: every field in bytes, HugePages_* as counts without _bytes', () => {
    const families = memoryFamilies(parseMeminfo(fixture('meminfo')));
    // One family per line of the file.
    expect(families).toHaveLength(fixture('meminfo').trim().split('\n').length);
    expect(linesOf(writeText(families))).toEqual(
      expect.arrayContaining([
        '# TYPE node_memory_MemTotal_bytes gauge',
        'node_memory_MemTotal_bytes 25276063744',
        'node_memory_Active_anon_bytes 1564672',
        'node_memory_VmallocTotal_bytes 35184372087808',
        'node_memory_HugePages_Total 0',
        'node_memory_Hugepagesize_bytes 2097152',
      ]),
    );
  });

  it('node_disk_*: sectors x 512, ms / 1000, and only the columns the kernel has', () => {
    const text = writeText(diskstatsFamilies(parseDiskstats(fixture('diskstats'))));
    expect(linesOf(text)).toEqual(
      expect.arrayContaining([
        '# TYPE node_disk_read_bytes_total counter',
        'node_disk_read_bytes_total{device="vda"} 933577728',
        'node_disk_read_time_seconds_total{device="vda"} 16.506',
        'node_disk_written_bytes_total{device="vda"} 1565134848',
        'node_disk_io_now{device="vda"} 0',
        '# TYPE node_disk_io_now gauge',
        'node_disk_io_time_weighted_seconds_total{device="vda"} 36.161',
        'node_disk_discarded_sectors_total{device="vda"} 265896',
        'node_disk_flush_requests_total{device="vda"} 3810',
        'node_disk_flush_requests_time_seconds_total{device="vda"} 2.167',
      ]),
    );
    // A 14-column line (kernel before 4.18) has neither discard nor flush series.
    const old = writeText(diskstatsFamilies(parseDiskstats('   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n')));
    expect(old).toContain('node_disk_io_time_weighted_seconds_total{device="sda"} 0.011');
    expect(old).not.toMatch(/discard|flush/);
  });

  it('node_load1/5/15', () => {
    expect(linesOf(writeText(loadFamilies(parseLoadavg(fixture('loadavg')))))).toEqual(
      [
        '# TYPE node_load1 gauge',
        'node_load1 0.58',
        '# TYPE node_load15 gauge',
        'node_load15 0.27',
        '# TYPE node_load5 gauge',
        'node_load5 0.51',
        '',
      ],
    );
  });

  it('node_uname_info, node_boot_time_seconds, node_time_seconds', () => {
    expect(linesOf(writeText(systemFamilies({ ...FAKE_INVENTORY }, 1_763_942_400.123)))).toEqual(
      expect.arrayContaining([
        'node_uname_info{domainname="(none)",machine="x86_64",nodename="fake-host",release="6.1.0-test",sysname="Linux",version="#1 SMP test"} 1',
        'node_boot_time_seconds 1700000000',
        'node_time_seconds 1763942400.123',
      ]),
    );
  });
});

describe("HELP and TYPE as node_exporter's own", () => {
  /** node_exporter's e2e fixture (test/fixtures/node-exporter/README.md), parsed: name -> HELP and TYPE. */
  const nodeExporter = parseExposition(readFileSync(join(__dirname, '../fixtures/node-exporter/e2e-output-help.txt'), 'utf8'));
  /** node_exporter's collector/uname.go (same commit): node_uname_info is not in its e2e output. */
  const UNAME_HELP = 'Labeled system information as provided by the uname system call.';

  // Built in each test, not at collection, and from an inventory of its own (system.ts keeps the families of each
  // inventory object): the mutation run credits a test only with the code run inside it.
  const familiesOf = () => [
    ...cpuFamilies({ kind: 'counters', cpus: parseStat(fixture('stat')) }),
    ...diskstatsFamilies(parseDiskstats(fixture('diskstats'))),
    ...loadFamilies(parseLoadavg(fixture('loadavg'))),
    ...memoryFamilies(parseMeminfo(fixture('meminfo'))),
    ...systemFamilies({ ...FAKE_INVENTORY }, 1_763_942_400),
  ];

  it('every family node_exporter also has: the same HELP and TYPE', () => {
    const families = familiesOf();
    const shared = families.filter((f) => nodeExporter.has(f.name));
    // All of cpu, disk, load, boot and time, and the meminfo fields both kernels have.
    expect(shared.filter((f) => !f.name.startsWith('node_memory_')).map((f) => f.name).sort()).toEqual(
      families.filter((f) => !/^node_(memory|uname)_/.test(f.name)).map((f) => f.name).sort(),
    );
    expect(shared.filter((f) => f.name.startsWith('node_memory_')).length).toBeGreaterThan(40);
    for (const { name, help, type } of shared) {
      const theirs = nodeExporter.get(name)!;
      expect({ name, help, type }).toEqual({ name, help: theirs.help, type: theirs.type });
    }
  });

  it("node_uname_info: the HELP of node_exporter's uname collector", () => {
    expect(familiesOf().find((f) => f.name === 'node_uname_info')?.help).toBe(UNAME_HELP);
  });
});
