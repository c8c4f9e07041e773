/**
 * The parsers and the procfs source readings of /proc/stat's kernel-wide lines, /proc/net/dev with /sys/class/net, and
 * /proc/pressure, on the real capture (test/fixtures/proc, test/fixtures/sys) and hand-made edge cases; every expected
 * figure is the fixture line quoted beside it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseKernelStat, parseNetDev, parsePressure } from '../../agent/sources/procfs/parse';
import { createProcfsSource } from '../../agent/sources/procfs/source';
import { mapNetworkStats } from '../../agent/sources/systeminformation/map';

const PROC = join(__dirname, '../fixtures/proc');
const SYS = join(__dirname, '../fixtures/sys');
const EDGE = join(__dirname, '../fixtures/procfs-edge');
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe('parseKernelStat', () => {
  it('reads intr (its first field), ctxt, processes, procs_running and procs_blocked of the real capture', () => {
    // intr 367111 0 0 ... / ctxt 781342 / processes 6617 / procs_running 1 / procs_blocked 0
    expect(parseKernelStat(read(PROC, 'stat'))).toEqual({ interrupts: 367111, contextSwitches: 781342, forks: 6617, procsRunning: 1, procsBlocked: 0 });
    expect(parseKernelStat(read(PROC, 'stat.later'))).toEqual({ interrupts: 367653, contextSwitches: 782048, forks: 6675, procsRunning: 4, procsBlocked: 0 });
  });

  it('throws, naming the lines, where a stat has none of them', () => {
    expect(() => parseKernelStat(read(EDGE, 'stat-old-kernel'))).toThrow(/no intr, ctxt, processes, procs_running, procs_blocked line/);
  });
});

describe('parseNetDev', () => {
  it('reads every interface of the real capture, each column by its header name', () => {
    // lo: 3110319 4259 0 0 0 0 0 0 | 3110319 4259 0 0 0 0 0 0 ; eth0: 225915517 6288 ... | 881145 5351 ...
    const devices = parseNetDev(read(PROC, 'net/dev'));
    expect(devices.map((d) => d.device)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    const zeros = { errs: 0, drop: 0, fifo: 0, compressed: 0 };
    expect(devices[3]).toEqual({
      device: 'eth0',
      receive: { bytes: 225915517, packets: 6288, frame: 0, multicast: 0, ...zeros },
      transmit: { bytes: 881145, packets: 5351, colls: 0, carrier: 0, ...zeros },
    });
    expect(devices[0]!.receive.bytes).toBe(3110319);
  });

  it('names with a dot or a colon, a counter right after the colon; a short line is skipped', () => {
    const devices = parseNetDev(read(EDGE, 'net-dev-odd'));
    expect(devices.map((d) => d.device)).toEqual(['lo', 'eth0.100', 'a:b', 'eth1']);
    // eth0.100: 1000 10 1 2 3 4 5 6 | 2000 20 7 8 9 10 11 12
    expect(devices[1]).toEqual({
      device: 'eth0.100',
      receive: { bytes: 1000, packets: 10, errs: 1, drop: 2, fifo: 3, frame: 4, compressed: 5, multicast: 6 },
      transmit: { bytes: 2000, packets: 20, errs: 7, drop: 8, fifo: 9, colls: 10, carrier: 11, compressed: 12 },
    });
    expect(devices[2]!.transmit.bytes).toBe(600);
    expect(devices[3]!.receive.bytes).toBe(225915517);
  });
});

describe('parsePressure', () => {
  it('reads the some and full totals (microseconds) of the real capture', () => {
    // some ... total=50793904 / full ... total=0
    expect(parsePressure(read(PROC, 'pressure/cpu'))).toEqual({ some: 50793904, full: 0 });
    // some ... total=2891502 / full ... total=2060367
    expect(parsePressure(read(PROC, 'pressure/io'))).toEqual({ some: 2891502, full: 2060367 });
  });

  it('cpu without a full line (kernels before 5.13), irq with only one; a file with neither throws', () => {
    expect(parsePressure(read(EDGE, 'pressure-cpu-no-full'))).toEqual({ some: 123456 });
    expect(parsePressure(read(EDGE, 'pressure-irq'))).toEqual({ full: 8494 });
    expect(() => parsePressure('nonsense\n')).toThrow(/no some or full line/);
  });
});

describe('the procfs source', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(os.tmpdir(), 'hostfeed-net-'));
    cpSync(PROC, root, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('cpu() carries the kernel-wide counters of the same /proc/stat read', async () => {
    const source = createProcfsSource({ root });
    try {
      const reading = await source.cpu();
      expect(reading.kind === 'counters' && reading.stat).toEqual(parseKernelStat(read(PROC, 'stat')));
    } finally {
      source.close?.();
    }
  });

  it('network(): /proc/net/dev and what /sys/class/net says of each interface, where readable', async () => {
    const source = createProcfsSource({ root, sysfsRoot: SYS });
    try {
      const { devices, classes } = await source.network();
      expect(devices).toEqual(parseNetDev(read(PROC, 'net/dev')));
      const byDevice = new Map(classes!.map((c) => [c.device, c]));
      // sys/class/net/eth0: operstate up, mtu 1400, speed -1, flags 0x1003, duplex unknown, ifalias empty
      expect(byDevice.get('eth0')).toEqual({
        device: 'eth0', operstate: 'up', address: '02:fc:00:00:00:01', broadcast: 'ff:ff:ff:ff:ff:ff', duplex: 'unknown', ifalias: '',
        flags: 0x1003, mtu: 1400, speed: -1,
      });
      // lo has no speed nor duplex file (the kernel answers EINVAL): absent, not 0.
      expect(byDevice.get('lo')).toEqual({
        device: 'lo', operstate: 'unknown', address: '00:00:00:00:00:00', broadcast: '00:00:00:00:00:00', ifalias: '', flags: 0x9, mtu: 65536,
      });
      expect([...byDevice.keys()].sort()).toEqual(['eth0', 'ifb0', 'ifb1', 'lo']);
    } finally {
      source.close?.();
    }
  });

  it('network() without sysfs: the counters, no interface facts, no error', async () => {
    const source = createProcfsSource({ root, sysfsRoot: join(root, 'no-sysfs-here') });
    try {
      expect(await source.network()).toEqual({ devices: parseNetDev(read(PROC, 'net/dev')), classes: null });
    } finally {
      source.close?.();
    }
  });

  it('pressure(): the resources the kernel reports; none at all without /proc/pressure, and no error', async () => {
    const source = createProcfsSource({ root });
    try {
      expect(await source.pressure()).toEqual({
        cpu: parsePressure(read(PROC, 'pressure/cpu')),
        memory: parsePressure(read(PROC, 'pressure/memory')),
        io: parsePressure(read(PROC, 'pressure/io')),
      });
    } finally {
      source.close?.();
    }
    rmSync(join(root, 'pressure'), { recursive: true });
    const withoutPsi = createProcfsSource({ root });
    try {
      expect(await withoutPsi.pressure()).toEqual({});
    } finally {
      withoutPsi.close?.();
    }
  });

  it('pressure(): a file that cannot be read for another reason fails the sample, naming it', async () => {
    rmSync(join(root, 'pressure/io'));
    mkdirSync(join(root, 'pressure/io')); // a directory in its place: EISDIR
    const source = createProcfsSource({ root });
    try {
      await expect(source.pressure()).rejects.toThrow(`couldn't read ${root}/pressure/io`);
    } finally {
      source.close?.();
    }
  });
});

describe('mapNetworkStats (systeminformation)', () => {
  const captured = JSON.parse(read(join(__dirname, '../fixtures/systeminformation/linux-vm'), 'networkStats.json')) as Parameters<typeof mapNetworkStats>[0];

  it('Linux: bytes, errors and drops as si read them from sysfs, and the operstate; no packets', () => {
    // eth0: rx_bytes 225915517, rx_errors 0, rx_dropped 0, tx_bytes 881145 ...; operstate up
    const { devices, classes } = mapNetworkStats(captured, 'linux');
    expect(devices.find((d) => d.device === 'eth0')).toEqual({
      device: 'eth0',
      receive: { bytes: 225915517, errs: 0, drop: 0 },
      transmit: { bytes: 881145, errs: 0, drop: 0 },
    });
    expect(classes).toEqual([{ device: 'lo', operstate: 'unknown' }, { device: 'eth0', operstate: 'up' }]);
  });

  it('macOS without drops (one column for both directions), the BSDs without anything, a field si could not read left out', () => {
    const darwin = mapNetworkStats([{ ...captured[1]!, rx_errors: Number.NaN }], 'darwin');
    expect(darwin.devices).toEqual([{ device: 'eth0', receive: { bytes: 225915517 }, transmit: { bytes: 881145, errs: 0 } }]);
    expect(mapNetworkStats(captured, 'freebsd')).toEqual({ devices: [], classes: null });
  });
});
