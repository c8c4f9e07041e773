import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'fs';
import * as os from 'os';
import { join } from 'path';
import { createProcfsSource, type StatfsResult } from '../../agent/sources/procfs/source';
import { exitHoldersEnded } from '../../agent/exit-holders';

const PROC = join(__dirname, '../fixtures/proc');
const EDGE = join(__dirname, '../fixtures/procfs-edge');
const OS_RELEASE = [join(EDGE, 'os-release')];

/** A statfs that answers for any path; bsize 4096 so that sizes are recognisable. */
const FAKE: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 50, ffree: 20 };

/** Records every path statfs was called with; `answer` decides per path (default FAKE). */
function recordingStatfs(answer: (path: string) => Promise<StatfsResult> = async () => FAKE) {
  const calls: string[] = [];
  const statfs = (path: string) => {
    calls.push(path);
    return answer(path);
  };
  return { calls, statfs };
}

const all = () => true;

/** A throwaway procfs root holding the given files (relative path -> source file). */
function tempRoot(files: Record<string, string>): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'hostfeed-procfs-'));
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(dir, name));
  return dir;
}

describe('procfs source on the real capture', () => {
  const source = createProcfsSource({ root: PROC, statfs: async () => FAKE });

  it('is named procfs', () => {
    expect(source.name).toBe('procfs');
  });

  it('cpu() gives absolute counters per CPU', async () => {
    const cpu = await source.cpu();
    expect(cpu.kind).toBe('counters');
    if (cpu.kind !== 'counters') return;
    expect(cpu.cpus.map((c) => c.cpu)).toEqual(['0', '1']);
    expect(cpu.cpus[0]!.seconds.user).toBeCloseTo(74.86, 10); // 7486 ticks / 100
  });

  it('memory(), load() and diskStats() read their files', async () => {
    expect((await source.memory()).MemTotal).toBe(24683656 * 1024);
    expect(await source.load()).toEqual({ load1: 0.58, load5: 0.51, load15: 0.27 });
    const disks = await source.diskStats();
    expect(disks).toHaveLength(10);
    expect(disks!.find((d) => d.device === 'vda')!.sectorsRead).toBe(1823394);
  });

  it('mounts() keeps only the visible (last) one of stacked mounts', async () => {
    const mounts = await source.mounts(all);
    expect(mounts).toHaveLength(18); // 20 lines, /dev/pts and /dev/shm mounted twice
    expect(mounts.filter((m) => m.mountpoint === '/dev/pts').map((m) => m.minor)).toEqual([26]);
    expect(mounts.filter((m) => m.mountpoint === '/dev/shm').map((m) => m.minor)).toEqual([27]);
    expect(new Set(mounts.map((m) => m.mountpoint)).size).toBe(18);
  });

  it('mounts() computes sizes as node_exporter does: blocks, bfree, bavail times bsize', async () => {
    const root = (await source.mounts(all)).find((m) => m.mountpoint === '/');
    expect(root).toEqual({
      device: '/dev/vda',
      mountpoint: '/',
      fstype: 'ext4',
      options: ['rw', 'relatime'],
      superOptions: ['rw', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
      major: 254,
      minor: 0,
      stats: { sizeBytes: 1000 * 4096, freeBytes: 400 * 4096, availBytes: 300 * 4096, files: 50, filesFree: 20 },
    });
    expect('error' in root!).toBe(false);
  });

  it('inventory() reads cpuinfo, stat, domainname and os-release', async () => {
    const inv = await createProcfsSource({ root: PROC, osReleasePaths: OS_RELEASE }).inventory();
    expect(inv).toEqual({
      hostname: os.hostname(),
      uname: {
        sysname: os.type(),
        release: os.release(),
        version: os.version(),
        machine: os.machine(),
        nodename: os.hostname(),
        domainname: '(none)',
      },
      distro: 'Example Linux 9 "Quoted"',
      platform: 'linux',
      cpuModel: 'AMD EPYC',
      cpuCores: 2,
      bootTimeSeconds: 1795703911,
    });
  });

  it('never starts a child process', async () => {
    // The CommonJS module object itself: its properties can be spied on, unlike an `import *` namespace's.
    const childProcess: typeof import('child_process') = require('child_process');
    const spies = (['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const).map((name) =>
      jest.spyOn(childProcess, name),
    );
    try {
      await Promise.all([source.cpu(), source.memory(), source.load(), source.diskStats(), source.mounts(all), source.inventory()]);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('procfs source on this machine, with its defaults', () => {
  it('reads /proc: the CPUs and memory that libuv finds there too', async () => {
    const source = createProcfsSource();
    try {
      const cpu = await source.cpu();
      expect(cpu.kind === 'counters' && cpu.cpus.length).toBe(os.cpus().length);
      expect((await source.memory()).MemTotal).toBe(os.totalmem());
    } finally {
      source.close!();
    }
  });

  it('statfs es mounts on threads of its own: the sizes statfs(2) gives', async () => {
    const root = tempRoot({});
    mkdirSync(join(root, '1'));
    writeFileSync(join(root, '1/mountinfo'), '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n');
    const source = createProcfsSource({ root });
    try {
      const [mount] = await source.mounts(all);
      const { blocks, bsize, files } = statfsSync('/');
      expect(mount!.stats).toMatchObject({ sizeBytes: blocks * bsize, files });
    } finally {
      source.close!();
      rmSync(root, { recursive: true });
      await exitHoldersEnded();
    }
  });

  it("names the distro from the host's /etc/os-release", async () => {
    const pretty = /^PRETTY_NAME="([^"]*)"$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1];
    expect((await createProcfsSource({ root: PROC }).inventory()).distro).toBe(pretty);
  });

  it("times a statfs out after node_exporter's default mount timeout, 5 s", async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const source = createProcfsSource({ root: join(EDGE, 'mounts'), statfs: (path) => (path === '/mnt/nfs' ? new Promise<never>(() => {}) : Promise.resolve(FAKE)) });
      let mounts: Awaited<ReturnType<typeof source.mounts>> | undefined;
      void source.mounts(all).then((m) => (mounts = m));
      await jest.advanceTimersByTimeAsync(4999);
      expect(mounts).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(mounts!.find((m) => m.mountpoint === '/mnt/nfs')).toMatchObject({ stats: null, error: 'mountpoint timeout' });
      source.close!();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('procfs source: files kept open', () => {
  const descriptors = () => readdirSync('/proc/self/fd').length;

  it('opens each file once, reads it through that descriptor on every sample, and closes it on close()', async () => {
    const before = descriptors();
    const source = createProcfsSource({ root: PROC });
    await source.memory();
    const open = descriptors();
    expect(open).toBe(before + 1);
    for (let i = 0; i < 3; i += 1) await source.memory();
    expect(descriptors()).toBe(open);
    source.close!();
    expect(descriptors()).toBe(before);
  });

  it('answers a statfs still running when closed, rather than hold the caller', async () => {
    const source = createProcfsSource({ root: join(EDGE, 'mounts'), statfs: (path) => (path === '/mnt/nfs' ? new Promise<never>(() => {}) : Promise.resolve(FAKE)) });
    const mounts = source.mounts(all);
    // Once the other mounts are answered, only the hung one is left.
    await new Promise((resolve) => setImmediate(resolve));
    source.close!();
    expect((await mounts).find((m) => m.mountpoint === '/mnt/nfs')).toMatchObject({ stats: null, error: 'closed' });
  });
});

describe('procfs source: errors', () => {
  it('wraps a missing file with its path and errno code', async () => {
    const source = createProcfsSource({ root: '/nonexistent-procfs' });
    await expect(source.load()).rejects.toThrow("couldn't read /nonexistent-procfs/loadavg: ENOENT");
    await expect(source.cpu()).rejects.toThrow("couldn't read /nonexistent-procfs/stat: ENOENT");
    await expect(source.memory()).rejects.toThrow("couldn't read /nonexistent-procfs/meminfo: ENOENT");
    await expect(source.diskStats()).rejects.toThrow("couldn't read /nonexistent-procfs/diskstats: ENOENT");
    // The file system's error stays as the cause, errno and syscall with it, for the log.
    await expect(source.load()).rejects.toMatchObject({ cause: { code: 'ENOENT', syscall: 'open' } });
  });

  it('fails a sample whose file is past its cap (a 50 MB meminfo), naming the file', async () => {
    const root = tempRoot({});
    writeFileSync(join(root, 'meminfo'), 'MemTotal: 1 kB\n'.repeat(100_000));
    const source = createProcfsSource({ root });
    await expect(source.memory()).rejects.toThrow(`couldn't read ${root}/meminfo: larger than 524288 bytes`);
    source.close!();
    rmSync(root, { recursive: true });
  });

  it('wraps a parse failure with the file it came from', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'hostfeed-procfs-'));
    try {
      writeFileSync(join(dir, 'loadavg'), 'garbage\n');
      const load = createProcfsSource({ root: dir }).load();
      await expect(load).rejects.toThrow(`couldn't parse ${dir}/loadavg: unexpected content`);
      await expect(load).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/^unexpected content/) }) });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rejects mounts() when neither 1/mountinfo nor self/mountinfo can be read', async () => {
    await expect(createProcfsSource({ root: '/nonexistent-procfs' }).mounts(all)).rejects.toThrow(
      "couldn't read /nonexistent-procfs/self/mountinfo: ENOENT",
    );
  });
});

describe('procfs source: mounts() and statfs', () => {
  const MOUNTS = join(EDGE, 'mounts');

  it('prefers /proc/1/mountinfo, and falls back to self when it cannot be read (hidepid)', async () => {
    const fromPid1 = await createProcfsSource({ root: MOUNTS, statfs: async () => FAKE }).mounts(all);
    expect(fromPid1.find((m) => m.mountpoint === '/')!.device).toBe('/dev/sda1');

    const { calls, statfs } = recordingStatfs();
    const fromSelf = await createProcfsSource({ root: join(EDGE, 'no-pid1'), statfs }).mounts(all);
    expect(fromSelf.map((m) => [m.mountpoint, m.device])).toEqual([
      ['/', '/dev/from-self'],
      ['/boot', '/dev/sda2'],
    ]);
    expect(calls.sort()).toEqual(['/', '/boot']);
  });

  it('never statfs es a mount that include() rejects', async () => {
    const { calls, statfs } = recordingStatfs();
    const include = (mountpoint: string, fstype: string) => fstype !== 'nfs4' && mountpoint !== '/proc';
    const mounts = await createProcfsSource({ root: MOUNTS, statfs }).mounts(include);
    expect(mounts.map((m) => m.mountpoint)).toEqual(['/', '/var/lib/app', '/data']);
    expect(calls).not.toContain('/mnt/nfs');
    expect(calls).not.toContain('/proc');
    expect(calls.sort()).toEqual(['/', '/data', '/var/lib/app']);
  });

  it('filters after de-duplication: the mount hidden under an excluded one is not reported in its place', async () => {
    const { calls, statfs } = recordingStatfs();
    const mounts = await createProcfsSource({ root: MOUNTS, statfs }).mounts((_mp, fstype) => fstype !== 'overlay');
    expect(mounts.map((m) => m.mountpoint)).not.toContain('/var/lib/app');
    expect(calls).not.toContain('/var/lib/app');
  });

  it('lists the visible mounts in the order they were mounted: one stacked later comes after those between', async () => {
    const root = tempRoot({});
    mkdirSync(join(root, '1'));
    const lines = [
      '20 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '43 20 8:49 / /data rw - ext4 /dev/sdd1 rw',
      '45 20 0:21 / /proc rw - proc proc rw',
      '44 43 8:65 / /data ro - xfs /dev/sde1 rw',
    ];
    writeFileSync(join(root, '1/mountinfo'), lines.join('\n') + '\n');
    try {
      const mounts = await createProcfsSource({ root, statfs: async () => FAKE }).mounts(all);
      expect(mounts.map((m) => [m.mountpoint, m.device])).toEqual([
        ['/', '/dev/sda1'],
        ['/proc', 'proc'],
        ['/data', '/dev/sde1'],
      ]);
    } finally {
      rmSync(root, { recursive: true });
    }
  });

  it('reports the visible one of stacked mounts with its own options', async () => {
    const mounts = await createProcfsSource({ root: MOUNTS, statfs: async () => FAKE }).mounts(all);
    expect(mounts.filter((m) => m.mountpoint === '/data')).toEqual([
      expect.objectContaining({ device: '/dev/sde1', fstype: 'xfs', options: ['ro', 'relatime'], major: 8, minor: 65 }),
    ]);
    expect(mounts.filter((m) => m.mountpoint === '/var/lib/app').map((m) => m.fstype)).toEqual(['overlay']);
  });

  it('gives a mount whose statfs fails an errno reason and no stats; the others are unaffected', async () => {
    const { statfs } = recordingStatfs(async (path) => {
      if (path === '/data') throw Object.assign(new Error("EACCES: permission denied, statfs '/data'"), { code: 'EACCES' });
      return FAKE;
    });
    const mounts = await createProcfsSource({ root: MOUNTS, statfs }).mounts(all);
    const data = mounts.find((m) => m.mountpoint === '/data')!;
    expect(data.stats).toBeNull();
    expect(data.error).toBe('permission denied');
    const others = mounts.filter((m) => m.mountpoint !== '/data');
    expect(others).toHaveLength(4);
    for (const m of others) {
      expect(m.stats).toEqual({ sizeBytes: 4096000, freeBytes: 1638400, availBytes: 1228800, files: 50, filesFree: 20 });
      expect(m.error).toBeUndefined();
    }
  });

  it('survives a statfs that throws synchronously', async () => {
    const statfs = (path: string): Promise<StatfsResult> => {
      if (path === '/') throw new Error('boom');
      return Promise.resolve(FAKE);
    };
    const mounts = await createProcfsSource({ root: MOUNTS, statfs }).mounts(all);
    expect(mounts.find((m) => m.mountpoint === '/')).toMatchObject({ stats: null, error: 'boom' });
    expect(mounts.find((m) => m.mountpoint === '/data')!.stats).not.toBeNull();
  });

  it('times out a statfs that never returns, without holding up the others', async () => {
    // On jest's clock: the answer comes when the mount timeout has passed, not a moment before.
    jest.useFakeTimers();
    const { calls, statfs } = recordingStatfs((path) => (path === '/mnt/nfs' ? new Promise<never>(() => {}) : Promise.resolve(FAKE)));
    let answered = false;
    const reading = createProcfsSource({ root: MOUNTS, statfs, mountTimeoutMs: 50 }).mounts(all).finally(() => (answered = true));
    await jest.advanceTimersByTimeAsync(49);
    expect(answered).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(answered).toBe(true);
    jest.useRealTimers();
    const mounts = await reading;
    expect(mounts.find((m) => m.mountpoint === '/mnt/nfs')).toMatchObject({ stats: null, error: 'mountpoint timeout' });
    expect(mounts.filter((m) => m.stats !== null).map((m) => m.mountpoint)).toEqual(['/', '/var/lib/app', '/data', '/proc']);
    expect(calls.sort()).toEqual(['/', '/data', '/mnt/nfs', '/proc', '/var/lib/app']);
  });

  it('does not statfs a hung mount again until its earlier call returns (libuv threads are few)', async () => {
    let release: (value: StatfsResult) => void = () => {};
    let hung = true;
    const { calls, statfs } = recordingStatfs((path) => {
      if (path !== '/mnt/nfs' || !hung) return Promise.resolve({ ...FAKE, blocks: 7 });
      hung = false; // only the first call hangs, until released
      return new Promise<StatfsResult>((resolve) => (release = resolve));
    });
    const source = createProcfsSource({ root: MOUNTS, statfs, mountTimeoutMs: 20 });
    const nfs = async () => (await source.mounts(all)).find((m) => m.mountpoint === '/mnt/nfs')!;

    expect((await nfs()).error).toBe('mountpoint timeout');
    expect((await nfs()).error).toBe('mountpoint timeout');
    expect(calls.filter((p) => p === '/mnt/nfs')).toHaveLength(1);

    release(FAKE);
    await new Promise((resolve) => setImmediate(resolve));
    const recovered = await nfs();
    expect(recovered.error).toBeUndefined();
    expect(recovered.stats!.sizeBytes).toBe(7 * 4096);
    expect(calls.filter((p) => p === '/mnt/nfs')).toHaveLength(2);
  });

  it('leaves no timer behind once every statfs has returned', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const source = createProcfsSource({ root: MOUNTS, statfs: async () => FAKE, mountTimeoutMs: 600_000 });
    const mounts = await source.mounts(all);
    expect(mounts).toHaveLength(5);
    expect(timers()).toBe(before);
  });
});

describe('procfs source: inventory fallbacks', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the CPUs present in a sparse stat and falls back for a missing cpuinfo, domainname and os-release', async () => {
    dir = tempRoot({ stat: join(EDGE, 'stat-hotplug') });
    const inv = await createProcfsSource({ root: dir, osReleasePaths: [join(dir, 'no-os-release')] }).inventory();
    expect(inv.cpuCores).toBe(2); // cpu0 and cpu2
    expect(inv.bootTimeSeconds).toBe(1700000000);
    expect(inv.uname.domainname).toBe('(none)');
    expect(inv.cpuModel).toBe(os.cpus()[0]!.model);
    expect(inv.distro).toBe(os.type());
  });

  it('reads a set NIS domain name, and one left empty as "(none)"', async () => {
    dir = tempRoot({ stat: join(EDGE, 'stat-hotplug') });
    mkdirSync(join(dir, 'sys/kernel'), { recursive: true });
    writeFileSync(join(dir, 'sys/kernel/domainname'), 'example.org\n');
    expect((await createProcfsSource({ root: dir }).inventory()).uname.domainname).toBe('example.org');
    writeFileSync(join(dir, 'sys/kernel/domainname'), '\n');
    expect((await createProcfsSource({ root: dir }).inventory()).uname.domainname).toBe('(none)');
  });

  it("takes the CPU model from the OS where cpuinfo names none (arm64), and says 'unknown' where the OS knows none either", async () => {
    dir = tempRoot({ stat: join(EDGE, 'stat-hotplug') });
    writeFileSync(join(dir, 'cpuinfo'), 'processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n');
    expect((await createProcfsSource({ root: dir }).inventory()).cpuModel).toBe(os.cpus()[0]!.model);
    // The CommonJS module object, whose properties can be spied on (as in 'never starts a child process').
    const osModule: typeof import('os') = require('os');
    const cpus = jest.spyOn(osModule, 'cpus').mockReturnValue([]);
    try {
      expect((await createProcfsSource({ root: dir }).inventory()).cpuModel).toBe('unknown');
    } finally {
      cpus.mockRestore();
    }
  });

  it('takes the distro from the first os-release file that names one', async () => {
    dir = tempRoot({ stat: join(EDGE, 'stat-hotplug') });
    writeFileSync(join(dir, 'os-release-unnamed'), 'ID=example\n');
    const osReleasePaths = [join(dir, 'missing'), join(dir, 'os-release-unnamed'), join(EDGE, 'os-release')];
    expect((await createProcfsSource({ root: dir, osReleasePaths }).inventory()).distro).toBe('Example Linux 9 "Quoted"');
  });

  it('rejects with context when stat is missing', async () => {
    dir = tempRoot({});
    await expect(createProcfsSource({ root: dir }).inventory()).rejects.toThrow(`couldn't read ${dir}/stat: ENOENT`);
  });
});
