/**
 * The rates of the stat figures (in the cpu event), the network and the pressure topics between two real captures taken
 * about a second apart (stat/stat.later, net/dev/net/dev.later, pressure/<r>/<r>.later), on a monotonic clock the test
 * sets; each expected figure is computed here from the fixture lines, never with the collectors' helpers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createCpuCollector, kernelFigures } from '../../agent/collectors/cpu';
import { createNetworkCollector, interfaceRates } from '../../agent/collectors/network';
import { createPressureCollector, pressureShares } from '../../agent/collectors/pressure';
import { parseConfig } from '../../agent/config';
import { createProcfsSource } from '../../agent/sources/procfs/source';
import type { NetworkReading, Source } from '../../agent/sources/types';

const PROC = join(__dirname, '../fixtures/proc');
const SYS = join(__dirname, '../fixtures/sys');
const NETWORK = parseConfig({}, 'test').collectors.network;

/** The `index`-th number after the prefix of the fixture file's line that starts so (`ctxt 781342`, `  lo: 3110319 4259 ...`). */
function field(file: string, linePrefix: RegExp, index: number): number {
  const line = readFileSync(join(PROC, file), 'utf8').split('\n').find((l) => linePrefix.test(l));
  if (!line) throw new Error(`${file}: no line ${linePrefix}`);
  return Number(line.replace(linePrefix, '').trim().split(/\s+/)[index]);
}
const psiTotal = (file: string, line: 'some' | 'full') => Number(/total=(\d+)/.exec(readFileSync(join(PROC, file), 'utf8').split('\n').find((l) => l.startsWith(line))!)![1]);

/** A clock the test moves. */
function clock(startMs = 10_000) {
  let ms = startMs;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

let root: string;
let source: Source;
beforeEach(() => {
  root = mkdtempSync(join(os.tmpdir(), 'hostfeed-rates-'));
  cpSync(PROC, root, { recursive: true });
  source = createProcfsSource({ root, sysfsRoot: SYS });
});
afterEach(() => {
  source.close?.();
  rmSync(root, { recursive: true, force: true });
});
/** Puts the later capture in place of the first (the source keeps the file open and reads it afresh). */
const later = (file: string) => writeFileSync(join(root, file), readFileSync(join(PROC, `${file}.later`)));

describe('stat figures in the cpu event', () => {
  it('context switches, forks and interrupts per second between stat and stat.later; procs as stat.later says', async () => {
    const time = clock();
    const collector = createCpuCollector(source, Date.now, time.now);
    expect((await collector.collect()).data).toBeUndefined(); // the baseline
    writeFileSync(join(root, 'stat'), readFileSync(join(PROC, 'stat.later')));
    time.advance(800);
    const { data } = await collector.collect();
    const gained = (key: string) => field('stat.later', new RegExp(`^${key} `), 0) - field('stat', new RegExp(`^${key} `), 0);
    expect(data).toMatchObject({
      contextSwitchesPerSecond: gained('ctxt') / 0.8, // (782048 - 781342) / 0.8 = 882.5
      forksPerSecond: gained('processes') / 0.8, // (6675 - 6617) / 0.8 = 72.5
      interruptsPerSecond: gained('intr') / 0.8, // (367653 - 367111) / 0.8 = 677.5
      procsRunning: field('stat.later', /^procs_running /, 0),
      procsBlocked: field('stat.later', /^procs_blocked /, 0),
    });
  });

  it('a counter that went backwards gives no rate for the interval, not a negative one', () => {
    const before = { interrupts: 1000, contextSwitches: 5000, forks: 70, procsRunning: 1, procsBlocked: 0 };
    const after = { interrupts: 10, contextSwitches: 5600, forks: 90, procsRunning: 3, procsBlocked: 1 };
    expect(kernelFigures(before, after, 2)).toEqual({ interruptsPerSecond: 0, contextSwitchesPerSecond: 300, forksPerSecond: 10, procsRunning: 3, procsBlocked: 1 });
  });
});

describe('network rates', () => {
  it('per interface between net/dev and net/dev.later, with up and speed from /sys/class/net', async () => {
    const time = clock();
    const collector = createNetworkCollector(source, NETWORK, Date.now, time.now);
    expect((await collector.collect()).data).toBeUndefined();
    later('net/dev');
    time.advance(500);
    const { data } = await collector.collect();
    const lo = data!.interfaces.find((i) => i.device === 'lo')!;
    // lo: 3110319 4259 ... -> 3110423 4261 ... (receive bytes, packets; transmit the same on loopback) over 0.5 s
    const gained = (column: number) => field('net/dev.later', /^\s*lo:/, column) - field('net/dev', /^\s*lo:/, column);
    expect(lo).toEqual({
      device: 'lo',
      up: false, // operstate "unknown", as loopback's always is
      operstate: 'unknown',
      receiveBytesPerSecond: gained(0) / 0.5,
      transmitBytesPerSecond: gained(8) / 0.5,
      receivePacketsPerSecond: gained(1) / 0.5,
      transmitPacketsPerSecond: gained(9) / 0.5,
      receiveErrorsPerSecond: 0,
      transmitErrorsPerSecond: 0,
      receiveDropsPerSecond: 0,
      transmitDropsPerSecond: 0,
    });
    expect(gained(0)).toBe(104);
    // eth0 is up with speed -1 (unknown): no speed figure.
    const eth0 = data!.interfaces.find((i) => i.device === 'eth0')!;
    expect(eth0).toMatchObject({ up: true, operstate: 'up', receiveBytesPerSecond: 0 });
    expect(eth0).not.toHaveProperty('speedBytesPerSecond');
  });

  it('an interface re-created (counters back to 0) gives 0, one new since the last reading waits for the next, the exclusion holds', async () => {
    const readings: NetworkReading[] = [
      { devices: [{ device: 'eth0', receive: { bytes: 5000 }, transmit: { bytes: 100 } }, { device: 'lo', receive: { bytes: 1 }, transmit: { bytes: 1 } }], classes: null },
      {
        devices: [
          { device: 'eth0', receive: { bytes: 40 }, transmit: { bytes: 300 } },
          { device: 'lo', receive: { bytes: 9 }, transmit: { bytes: 9 } },
          { device: 'veth1', receive: { bytes: 7 }, transmit: { bytes: 7 } },
        ],
        classes: [{ device: 'eth0', operstate: 'up', speed: 1000 }],
      },
    ];
    const fake = { network: async () => readings.shift()! } as Source;
    const time = clock();
    const collector = createNetworkCollector(fake, { ...NETWORK, devicesExclude: '^lo$' }, Date.now, time.now);
    await collector.collect();
    time.advance(2000);
    const { data, raw } = await collector.collect();
    // 1000 Mbit/s = 125,000,000 bytes/s; receive went 5000 -> 40 (reset): 0; transmit 100 -> 300 over 2 s: 100/s.
    // Strictly: a column the source lacks (packets, errors, drops here) is no key at all, not one holding undefined.
    expect(data!.interfaces).toStrictEqual([
      { device: 'eth0', up: true, operstate: 'up', speedBytesPerSecond: 125_000_000, receiveBytesPerSecond: 0, transmitBytesPerSecond: 100 },
    ]);
    expect(raw.devices.map((d) => d.device)).toEqual(['eth0', 'veth1']);
  });

  it('a link speed of 0 Mbit/s is a speed (0 bytes/s), unlike -1', () => {
    const previous = new Map([['eth0', { device: 'eth0', receive: { bytes: 0 }, transmit: { bytes: 0 } }]]);
    const current: NetworkReading = { devices: [{ device: 'eth0', receive: { bytes: 10 }, transmit: { bytes: 20 } }], classes: [{ device: 'eth0', operstate: 'down', speed: 0 }] };
    expect(interfaceRates(previous, current, 1)).toStrictEqual([
      { device: 'eth0', up: false, operstate: 'down', speedBytesPerSecond: 0, receiveBytesPerSecond: 10, transmitBytesPerSecond: 20 },
    ]);
  });

  it('two readings at the same instant give no rates; one more than 2 minutes after the last is a new baseline', async () => {
    const reading = (bytes: number): NetworkReading => ({ devices: [{ device: 'eth0', receive: { bytes }, transmit: { bytes } }], classes: null });
    const readings = [reading(0), reading(100), reading(200), reading(300)];
    const fake = { network: async () => readings.shift()! } as Source;
    const time = clock();
    const collector = createNetworkCollector(fake, NETWORK, Date.now, time.now);
    await collector.collect();
    expect((await collector.collect()).data!.interfaces).toEqual([]);
    time.advance(120_001);
    expect((await collector.collect()).data).toBeUndefined();
    time.advance(1000);
    expect((await collector.collect()).data!.interfaces).toEqual([{ device: 'eth0', receiveBytesPerSecond: 100, transmitBytesPerSecond: 100 }]);
  });
});

describe('pressure shares', () => {
  it('no shares over no time; a reading more than 2 minutes after the last is a new baseline', async () => {
    const totals = (us: number) => ({ cpu: { some: us } });
    expect(pressureShares(totals(0), totals(1000), 0)).toEqual({});
    expect(pressureShares(totals(0), totals(1000), -1)).toEqual({});
    const readings = [totals(0), totals(100_000), totals(200_000)];
    const time = clock();
    const collector = createPressureCollector({ pressure: async () => readings.shift()! } as Source, () => 42, time.now);
    await collector.collect();
    time.advance(120_001);
    expect((await collector.collect()).data).toBeUndefined();
    time.advance(1000);
    expect((await collector.collect()).data).toEqual({ ts: 42, cpu: { some: 0.1 } });
  });

  it('some and full per resource between pressure/<r> and pressure/<r>.later', async () => {
    const time = clock();
    const collector = createPressureCollector(source, Date.now, time.now);
    expect((await collector.collect()).data).toBeUndefined();
    for (const resource of ['cpu', 'memory', 'io']) later(`pressure/${resource}`);
    time.advance(1000);
    const { data } = await collector.collect();
    // cpu some total=50793904 -> 51260731: 466827 us of 1 s, to 4 decimals
    const share = (resource: string, line: 'some' | 'full') =>
      Math.round(((psiTotal(`pressure/${resource}.later`, line) - psiTotal(`pressure/${resource}`, line)) / 1e6) * 1e4) / 1e4;
    expect(share('cpu', 'some')).toBe(0.4668);
    expect(data).toEqual({
      ts: expect.any(Number),
      cpu: { some: share('cpu', 'some'), full: share('cpu', 'full') },
      memory: { some: share('memory', 'some'), full: share('memory', 'full') },
      io: { some: share('io', 'some'), full: share('io', 'full') },
    });
  });

  it('cpu without a full line (before 5.13), irq with only one; a resource gone between the readings is left out', () => {
    // cpu some: 500,000 us of 2 s = 0.25; irq full: 200,000 us of 2 s = 0.1
    const before = { cpu: { some: 0 }, irq: { full: 1000 }, io: { some: 0, full: 0 } };
    const after = { cpu: { some: 500_000 }, irq: { full: 201_000 } };
    expect(pressureShares(before, after, 2)).toEqual({ cpu: { some: 0.25 }, irq: { full: 0.1 } });
  });

  it('a kernel without PSI: events with no resource, no error', async () => {
    const fake = { pressure: async () => ({}) } as Source;
    const time = clock();
    const collector = createPressureCollector(fake, () => 42, time.now);
    await collector.collect();
    time.advance(1000);
    expect((await collector.collect()).data).toEqual({ ts: 42 });
  });
});
