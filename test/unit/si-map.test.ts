/**
 * systeminformation mappings on fixtures. linux-*.json are real si 5.33 outputs captured on the 2-vCPU dev VM
 * (currentLoad while one CPU ran a niced busy loop and the other a 16-byte dd; osInfo's serial zeroed).
 * darwin-*.json are hand-made from si's lib/memory.js and lib/filesystem.js macOS paths: mem from vm_stat pages
 * (16 KiB pages: free 9000, anonymous 400000, purgeable 5000, wired 150000, compressor 100000, inactive 380000) and
 * `vm.swapusage` "total = 2048.00M used = 1043.27M free = 1004.73M"; fsSize from df -kP and mount(8) on a sealed
 * system volume (read-only "/"), an smbfs share and an NFS export (whose rw si never looks up).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Systeminformation } from 'systeminformation';
import { filesystemOf } from '../../agent/collectors/disk';
import { diskEventSchema } from '../../agent/events';
import { cpuModesFor, mapCurrentLoad, mapFsSize, mapInventory, mapLoad, mapMem, type HostFacts } from '../../agent/sources/systeminformation/map';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures/systeminformation', `${name}.json`), 'utf8')) as T;
}

const currentLoad = fixture<Systeminformation.CurrentLoadData>('linux-currentLoad');
const linuxMem = fixture<Systeminformation.MemData>('linux-mem');
const darwinMem = fixture<Systeminformation.MemData>('darwin-mem');
const linuxFs = fixture<Systeminformation.FsSizeData[]>('linux-fsSize');
const darwinFs = fixture<Systeminformation.FsSizeData[]>('darwin-fsSize');
const all = (): boolean => true;

describe('mapCurrentLoad', () => {
  const reading = mapCurrentLoad(currentLoad, 'linux');
  if (reading.kind !== 'ratios') throw new Error('expected ratios');

  it('turns si percentages into ratios, over all CPUs and per CPU', () => {
    expect(reading.total.user).toBeCloseTo(currentLoad.currentLoadUser / 100, 12);
    expect(reading.total.nice).toBeCloseTo(0.5024630541871922, 12);
    expect(reading.total.system).toBeCloseTo(0.3891625615763547, 12);
    expect(reading.total.idle).toBe(0);
    expect(reading.cpus).toEqual([
      { cpu: '0', modes: { user: 0, nice: 1, system: 0, idle: 0, irq: 0 } },
      { cpu: '1', modes: { user: 0.21782178217821785, nice: 0, system: 0.7821782178217822, idle: 0, irq: 0 } },
    ]);
  });

  it('leaves out what si cannot see: iowait and softirq (dropped by libuv), steal (always 0 in si)', () => {
    for (const modes of [reading.total, ...reading.cpus.map((c) => c.modes)]) {
      expect(Object.keys(modes).sort()).toEqual(['idle', 'irq', 'nice', 'system', 'user']);
      expect(modes).not.toHaveProperty('iowait');
      expect(modes).not.toHaveProperty('softirq');
      expect(modes).not.toHaveProperty('steal');
    }
  });

  it('keeps only the modes libuv measures on each OS', () => {
    expect(cpuModesFor('darwin')).toEqual(['user', 'nice', 'system', 'idle']);
    expect(cpuModesFor('win32')).toEqual(['user', 'system', 'idle', 'irq']);
    const darwin = mapCurrentLoad(currentLoad, 'darwin');
    if (darwin.kind !== 'ratios') throw new Error('expected ratios');
    expect(darwin.total).not.toHaveProperty('irq');
    expect(darwin.cpus[0]?.modes).not.toHaveProperty('irq');
  });

  it('keeps ratios within 0..1 when si overshoots 100 by rounding', () => {
    const spill = { ...currentLoad, currentLoadIdle: 100.00000000000001, currentLoadUser: -1e-15, cpus: [] };
    const mapped = mapCurrentLoad(spill, 'linux');
    if (mapped.kind !== 'ratios') throw new Error('expected ratios');
    expect(mapped.total.idle).toBe(1);
    expect(mapped.total.user).toBe(0);
  });
});

describe('mapMem', () => {
  it('gives the Linux /proc/meminfo fields si read, in bytes', () => {
    expect(mapMem(linuxMem, 'linux')).toEqual({
      MemTotal: 25276063744,
      MemFree: 24897204224,
      MemAvailable: 24906436608,
      Buffers: 3604480,
      Cached: 177315840,
      Slab: 127758336,
      SReclaimable: 102993920,
      SwapTotal: 0,
      SwapFree: 0,
      Dirty: 303104,
      Writeback: 0,
    });
    expect(mapMem(linuxMem, 'linux').MemTotal).toBe(linuxMem.total);
  });

  it("leaves out on macOS the fields si fills with 0, and rounds si's fractional swap bytes", () => {
    expect(mapMem(darwinMem, 'darwin')).toEqual({
      MemTotal: 17179869184,
      MemFree: 147456000,
      MemAvailable: 6612189184,
      SwapTotal: 2147483648,
      SwapFree: 1053535764,
    });
  });

  it("does not call Windows' available memory free", () => {
    const mapped = mapMem({ ...darwinMem, free: 6e9, available: 6e9 }, 'win32');
    expect(mapped).toEqual({ MemTotal: 17179869184, MemAvailable: 6e9, SwapTotal: 2147483648, SwapFree: 1053535764 });
  });

  it('leaves out swap on the BSDs (si never reads it) and MemAvailable where si only has a fallback', () => {
    expect(Object.keys(mapMem(darwinMem, 'freebsd'))).toEqual(['MemTotal', 'MemFree', 'MemAvailable']);
    expect(Object.keys(mapMem(darwinMem, 'openbsd'))).toEqual(['MemTotal', 'MemFree']);
  });
});

describe('mapLoad', () => {
  it("takes os.loadavg()'s triple as is", () => {
    expect(mapLoad([0.52, 0.4, 0.33])).toEqual({ load1: 0.52, load5: 0.4, load15: 0.33 });
  });

  it("gives zeros for Windows' [0, 0, 0] and for a short array", () => {
    expect(mapLoad([0, 0, 0])).toEqual({ load1: 0, load5: 0, load15: 0 });
    expect(mapLoad([])).toEqual({ load1: 0, load5: 0, load15: 0 });
  });
});

describe('mapFsSize', () => {
  it('maps the real Linux root filesystem', () => {
    // Strict: si has no inode counts nor device numbers, so those keys are not there at all (not 0, not undefined).
    expect(mapFsSize(linuxFs, all, 'linux')).toStrictEqual([
      {
        device: '/dev/vda',
        mountpoint: '/',
        fstype: 'ext4',
        options: ['rw'],
        stats: {
          sizeBytes: 270553174016,
          freeBytes: 270553174016 - 24418742272,
          availBytes: 84525551616,
        },
      },
    ]);
  });

  it('reaches the disk event without inode counts, which the contract allows', () => {
    const [root] = mapFsSize(linuxFs, all, 'linux').map(filesystemOf);
    const published = JSON.parse(JSON.stringify({ ts: 1, filesystems: [root], devices: [] }));
    expect(diskEventSchema.parse(published).filesystems[0]).not.toHaveProperty('files');
    expect(published.filesystems[0]).not.toHaveProperty('filesFree');
    expect(published.filesystems[0].sizeBytes).toBe(270553174016);
  });

  it("marks macOS's sealed system volume read-only and gives statfs's lower-case fstype", () => {
    const root = mapFsSize(darwinFs, all, 'darwin').find((m) => m.mountpoint === '/');
    expect(root).toMatchObject({ device: '/dev/disk3s1s1', fstype: 'apfs', options: ['ro'] });
    expect(root?.stats?.freeBytes).toBe(494384795648 - 10401935360);
  });

  it('says nothing of rw where si never looked it up (a device that is not a path)', () => {
    const mounts = mapFsSize(darwinFs, all, 'darwin');
    expect(mounts.find((m) => m.mountpoint === '/Volumes/media')).toMatchObject({ fstype: 'nfs', options: [] });
    expect(mounts.find((m) => m.mountpoint === '/Volumes/share')).toMatchObject({ fstype: 'smbfs', options: ['rw'] });
    const overlay: Systeminformation.FsSizeData = { ...linuxFs[0]!, fs: 'overlay', type: 'overlay', rw: false };
    expect(mapFsSize([overlay], all, 'linux')[0]?.options).toEqual([]);
    expect(mapFsSize([{ ...linuxFs[0]!, fs: 'C:', mount: 'C:', rw: null }], all, 'win32')[0]?.options).toEqual([]);
    expect(mapFsSize([{ ...linuxFs[0]!, fs: 'C:', mount: 'C:', rw: false }], all, 'win32')[0]?.options).toEqual(['ro']);
  });

  it('returns only the mounts include() accepts, asked with the mapped fstype', () => {
    const asked: string[] = [];
    const include = (mountpoint: string, fstype: string): boolean => {
      asked.push(`${mountpoint} ${fstype}`);
      return !mountpoint.startsWith('/System/') && fstype !== 'nfs';
    };
    expect(mapFsSize(darwinFs, include, 'darwin').map((m) => m.mountpoint)).toEqual(['/', '/Volumes/share']);
    expect(asked).toContain('/Volumes/media nfs');
  });
});

describe('mapInventory', () => {
  const host: HostFacts = {
    sysname: 'Linux',
    release: '6.18.44-fc-v782',
    version: '#1 SMP PREEMPT_DYNAMIC @0',
    machine: 'x86_64',
    hostname: 'vm',
    platform: 'linux',
  };
  const inventory = mapInventory(
    fixture<Systeminformation.OsData>('linux-osInfo'),
    fixture<Systeminformation.CpuData>('linux-cpu'),
    fixture<Systeminformation.TimeData>('linux-time'),
    host,
  );

  it('takes uname from the os module and the rest from si', () => {
    expect(inventory).toEqual({
      hostname: 'vm',
      uname: {
        sysname: 'Linux',
        release: '6.18.44-fc-v782',
        version: '#1 SMP PREEMPT_DYNAMIC @0',
        machine: 'x86_64',
        nodename: 'vm',
        domainname: '(none)',
      },
      distro: 'Debian GNU/Linux 12',
      platform: 'linux',
      cpuModel: 'AMD EPYC',
      cpuCores: 2,
      // time.current 1795704397455 ms, uptime 486.06 s; the kernel's btime was 1795703911.
      bootTimeSeconds: 1795703911,
    });
  });
});
