/** The systeminformation source against the real library on this machine (about 1.5 s: si's first CPU call waits 500 ms). */
import * as os from 'node:os';
import { createSystemInformationSource, type SystemInformationApi } from '../../agent/sources/systeminformation/source';

const source = createSystemInformationSource();

describe('systeminformation source on this host', () => {
  it('gives ratios for every CPU, without modes si cannot see', async () => {
    const reading = await source.cpu();
    if (reading.kind !== 'ratios') throw new Error(`expected ratios, got ${reading.kind}`);
    expect(reading.cpus.map((c) => c.cpu)).toEqual(os.cpus().map((_, i) => String(i)));
    for (const { modes } of [{ modes: reading.total }, ...reading.cpus]) {
      for (const value of Object.values(modes)) expect(value).toBeGreaterThanOrEqual(0);
      for (const value of Object.values(modes)) expect(value).toBeLessThanOrEqual(1);
      expect(modes).not.toHaveProperty('iowait');
      expect(modes).not.toHaveProperty('steal');
    }
  });

  it("gives memory whose MemTotal is the OS's", async () => {
    const meminfo = await source.memory();
    expect(meminfo.MemTotal).toBe(os.totalmem());
    expect(meminfo.MemAvailable).toBeGreaterThan(0);
    expect(meminfo.MemAvailable).toBeLessThanOrEqual(os.totalmem());
  });

  it("gives the OS's load averages", async () => {
    const load = await source.load();
    expect(load.load1).toBeGreaterThanOrEqual(0);
    expect(Object.keys(load)).toEqual(['load1', 'load5', 'load15']);
  });

  it('lists / with a size, and only the mounts include() accepts', async () => {
    const mounts = await source.mounts(() => true);
    const root = mounts.find((m) => m.mountpoint === '/');
    expect(root?.stats?.sizeBytes).toBeGreaterThan(0);
    expect(root?.stats?.availBytes).toBeLessThanOrEqual(root?.stats?.freeBytes ?? 0);
    const filtered = await source.mounts((mountpoint) => mountpoint !== '/');
    expect(filtered.map((m) => m.mountpoint)).not.toContain('/');
  });

  it('has no per-device disk counters', async () => {
    await expect(source.diskStats()).resolves.toBeNull();
  });

  it('gives the inventory of this host', async () => {
    const inventory = await source.inventory();
    expect(inventory.hostname).toBe(os.hostname());
    expect(inventory.uname).toMatchObject({ sysname: os.type(), release: os.release(), machine: os.machine() });
    expect(inventory.cpuCores).toBe(os.cpus().length);
    expect(Math.abs(inventory.bootTimeSeconds - (Date.now() / 1000 - os.uptime()))).toBeLessThan(2);
  });
});

describe('systeminformation source errors', () => {
  const failing = (message: string): Promise<never> => Promise.reject(new Error(message));
  const lib = {
    currentLoad: () => failing('exec failed'),
    mem: () => failing('EACCES'),
    fsSize: () => Promise.resolve([]),
    osInfo: () => failing('spawn ENOENT'),
    cpu: () => failing('spawn ENOENT'),
    time: () => {
      throw new Error('no clock');
    },
  } as unknown as SystemInformationApi;
  const loadavg = (): number[] => {
    throw new Error('no loadavg');
  };
  const broken = createSystemInformationSource({ lib, loadavg });

  it('say what was being read', async () => {
    await expect(broken.cpu()).rejects.toThrow("couldn't get cpu from systeminformation: exec failed");
    await expect(broken.memory()).rejects.toThrow("couldn't get memory from systeminformation: EACCES");
    await expect(broken.load()).rejects.toThrow("couldn't get load from systeminformation: no loadavg");
    await expect(broken.inventory()).rejects.toThrow("couldn't get inventory from systeminformation: spawn ENOENT");
  });

  it("report si's empty filesystem list (its df failure swallowed) as an error", async () => {
    await expect(broken.mounts(() => true)).rejects.toThrow("couldn't get filesystems from systeminformation: no filesystem listed");
  });
});
