import { readFileSync } from 'fs';
import { join } from 'path';
import {
  parseBootTime,
  parseCpuinfoModel,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseOsRelease,
  parseStat,
} from '../../agent/sources/procfs/parse';

const PROC = join(__dirname, '../fixtures/proc');
const EDGE = join(__dirname, '../fixtures/procfs-edge');
const proc = (file: string) => readFileSync(join(PROC, file), 'utf8');
const edge = (file: string) => readFileSync(join(EDGE, file), 'utf8');

describe('parseStat', () => {
  it('reads the per-CPU lines of the real capture as seconds at USER_HZ 100, leaving out the aggregate line', () => {
    const cpus = parseStat(proc('stat'));
    expect(cpus.map((c) => c.cpu)).toEqual(['0', '1']);
    // cpu0 7486 0 1235 35616 184 0 69 38 0 0
    expect(cpus[0]!.seconds.user).toBeCloseTo(74.86, 10);
    expect(cpus[0]!.seconds.nice).toBe(0);
    expect(cpus[0]!.seconds.system).toBeCloseTo(12.35, 10);
    expect(cpus[0]!.seconds.idle).toBeCloseTo(356.16, 10);
    expect(cpus[0]!.seconds.iowait).toBeCloseTo(1.84, 10);
    expect(cpus[0]!.seconds.irq).toBe(0);
    expect(cpus[0]!.seconds.softirq).toBeCloseTo(0.69, 10);
    expect(cpus[0]!.seconds.steal).toBeCloseTo(0.38, 10);
    expect(cpus[0]!.guestSeconds).toEqual({ user: 0, nice: 0 });
    // cpu1 8660 0 1616 33705 455 0 116 44 0 0
    expect(cpus[1]!.seconds.user).toBeCloseTo(86.6, 10);
    expect(cpus[1]!.seconds.iowait).toBeCloseTo(4.55, 10);
    expect(Object.keys(cpus[1]!.seconds).sort()).toEqual(
      ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'],
    );
  });

  it('divides by the given USER_HZ', () => {
    expect(parseStat(proc('stat'), 1000)[0]!.seconds.user).toBeCloseTo(7.486, 10);
  });

  it('sees the counters of the later capture move on', () => {
    const [before, after] = [parseStat(proc('stat')), parseStat(proc('stat.later'))];
    // cpu0 user 7486 -> 7489 ticks, idle 35616 -> 35712
    expect(after[0]!.seconds.user - before[0]!.seconds.user).toBeCloseTo(0.03, 10);
    expect(after[0]!.seconds.idle - before[0]!.seconds.idle).toBeCloseTo(0.96, 10);
  });

  it('keeps the kernel numbers of a sparse CPU set (cpu1 hot-unplugged) and reads guest time', () => {
    const cpus = parseStat(edge('stat-hotplug'));
    expect(cpus.map((c) => c.cpu)).toEqual(['0', '2']);
    // cpu2 200 5 40 500 20 0 4 0 50 3
    expect(cpus[1]!.seconds.user).toBe(2);
    expect(cpus[1]!.seconds.nice).toBe(0.05);
    expect(cpus[1]!.guestSeconds).toEqual({ user: 0.5, nice: 0.03 });
  });

  it('counts the columns an old kernel does not print as 0', () => {
    const [cpu0, cpu1] = parseStat(edge('stat-old-kernel'));
    // cpu0 100 1 20 500 7 1 2 3 (8 columns: no guest)
    expect(cpu0!.seconds).toEqual({ user: 1, nice: 0.01, system: 0.2, idle: 5, iowait: 0.07, irq: 0.01, softirq: 0.02, steal: 0.03 });
    expect(cpu0!.guestSeconds).toEqual({ user: 0, nice: 0 });
    // cpu1 50 1 10 400 (4 columns)
    expect(cpu1!.seconds).toEqual({ user: 0.5, nice: 0.01, system: 0.1, idle: 4, iowait: 0, irq: 0, softirq: 0, steal: 0 });
  });

  it('throws on a stat without a cpuN line (it would read as a host with no CPU), naming the first line', () => {
    expect(() => parseStat('intr 1 2 3\nbtime 1700000000\n')).toThrow('no cpuN line (line 1 "intr 1 2 3")');
    expect(() => parseStat('cpu  1 2 3 4 5 6 7 8 0 0\n')).toThrow(/no cpuN line/);
  });

  it('reads CPUs numbered 10 and up, and no line that only starts like one', () => {
    // The kernel prints cpu%d (fs/proc/stat.c): a host with 12 CPUs has cpu10 and cpu11.
    const text = 'cpu  4 0 0 0\ncpu9 1 0 0 0\ncpu10 2 0 0 0\ncpu11 3 0 0 0\ncpufreq 5 0 0 0\nxcpu3 6 0 0 0\ncpu12x 7 0 0 0\n';
    expect(parseStat(text).map((c) => [c.cpu, c.seconds.user])).toEqual([
      ['9', 0.01],
      ['10', 0.02],
      ['11', 0.03],
    ]);
  });

  it('throws on a non-numeric counter rather than exporting a wrong value, naming the line', () => {
    expect(() => parseStat('cpu0 10 x 3 4\n')).toThrow('not a number: "x" in /proc/stat line "cpu0 10 x 3 4"');
  });

  it('takes any run of whitespace between the fields, as node_exporter (procfs, strings.Fields) does', () => {
    const [cpu0] = parseStat('cpu0  100\t1   20 500 \n');
    expect(cpu0!.seconds).toMatchObject({ user: 1, nice: 0.01, system: 0.2, idle: 5, iowait: 0 });
  });

  it('names no more than the first 80 characters of a line it cannot read', () => {
    const long = `intr ${'1 '.repeat(100)}`;
    expect(() => parseStat(long)).toThrow(`no cpuN line (line 1 ${JSON.stringify(long.slice(0, 80))})`);
  });
});

describe('parseBootTime', () => {
  it('reads btime', () => {
    expect(parseBootTime(proc('stat'))).toBe(1795703911);
    expect(parseBootTime(edge('stat-hotplug'))).toBe(1700000000);
  });

  it('throws when there is no btime line, or one without its value', () => {
    expect(() => parseBootTime('cpu0 1 2 3 4\n')).toThrow('no btime line in /proc/stat');
    expect(() => parseBootTime('btime\n')).toThrow('no btime line in /proc/stat');
  });

  it('takes any run of whitespace between the fields, as strings.Fields does', () => {
    expect(parseBootTime('ctxt 1\n btime \t 1700000000\n')).toBe(1700000000);
  });

  it('throws on a btime that is not a number, naming it', () => {
    expect(() => parseBootTime('btime 17x\n')).toThrow('not a number: "17x" in /proc/stat btime');
  });
});

describe('parseMeminfo', () => {
  const mem = parseMeminfo(proc('meminfo'));

  it('turns kB values into bytes', () => {
    expect(mem.MemTotal).toBe(24683656 * 1024);
    expect(mem.MemFree).toBe(24198640 * 1024);
    expect(mem.MemAvailable).toBe(24207352 * 1024);
    expect(mem.Buffers).toBe(3488 * 1024);
    expect(mem.Cached).toBe(172440 * 1024);
    expect(mem.SwapTotal).toBe(0);
    expect(mem.Hugepagesize).toBe(2048 * 1024);
    expect(mem.VmallocTotal).toBe(34359738367 * 1024);
  });

  it('names fields as node_exporter does: Active(anon) -> Active_anon, underscores kept', () => {
    expect(mem.Active_anon).toBe(1528 * 1024);
    expect(mem.Inactive_anon).toBe(15240 * 1024);
    expect(mem.Active_file).toBe(87188 * 1024);
    expect(mem.Inactive_file).toBe(79776 * 1024);
    expect(mem.NFS_Unstable).toBe(0);
    expect(mem.Committed_AS).toBe(97404 * 1024);
    expect(Object.keys(mem).filter((k) => /[()]/.test(k))).toEqual([]);
    expect(Object.keys(mem)).toHaveLength(54); // every line of the file
  });

  it('keeps unitless fields as counts', () => {
    expect(mem.HugePages_Total).toBe(0);
    const old = parseMeminfo(edge('meminfo-no-memavailable'));
    expect(old.HugePages_Total).toBe(4);
    expect(old.HugePages_Free).toBe(2);
    expect(old.HugePages_Rsvd).toBe(1);
  });

  it('reads a pre-3.14 meminfo: no MemAvailable invented, a blank line skipped', () => {
    const old = parseMeminfo(edge('meminfo-no-memavailable'));
    expect('MemAvailable' in old).toBe(false);
    expect(old.MemTotal).toBe(2048000 * 1024);
    expect(old.Active_anon).toBe(700000 * 1024);
    expect(old.DirectMap4k).toBe(10240 * 1024); // after the blank line
    expect(Object.keys(old)).toHaveLength(19);
  });

  it('skips a line that does not read as "Key: number [kB]"', () => {
    expect(parseMeminfo('MemTotal: 10 kB\nbroken line\nOdd: 5 MB\nTwo words: 3 kB\nMemFree: 4 kB\n')).toEqual({ MemTotal: 10240, MemFree: 4096 });
  });

  it('takes any run of whitespace between the fields, as node_exporter (strings.Fields) does', () => {
    expect(parseMeminfo('MemTotal:10  kB \nMemFree:\t4\tkB\nHugePages_Free: 2 \n')).toEqual({ MemTotal: 10240, MemFree: 4096, HugePages_Free: 2 });
  });

  it('throws on a file without a positive MemTotal (garbage would read as a host with 0 B), naming the line', () => {
    expect(() => parseMeminfo('\u0000\u0001garbage\nmore garbage\n')).toThrow('no MemTotal line (line 1 "\\u0000\\u0001garbage")');
    expect(() => parseMeminfo('MemFree: 4 kB\n')).toThrow(/no MemTotal line/);
    expect(() => parseMeminfo('MemTotal: 0 kB\nMemFree: 0 kB\n')).toThrow('MemTotal is not a positive size (line 1 "MemTotal: 0 kB")');
  });
});

describe('parseLoadavg', () => {
  it('reads the three averages of the real capture', () => {
    expect(parseLoadavg(proc('loadavg'))).toEqual({ load1: 0.58, load5: 0.51, load15: 0.27 });
  });

  it('reads an idle host (all averages 0) and a file of the three averages alone', () => {
    expect(parseLoadavg('0.00 0.00 0.00 1/97 4242\n')).toEqual({ load1: 0, load5: 0, load15: 0 });
    expect(parseLoadavg('1.50 0.75 0.25')).toEqual({ load1: 1.5, load5: 0.75, load15: 0.25 });
    // Fields split on runs of whitespace, as strings.Fields in node_exporter's procfs.
    expect(parseLoadavg('1.50  0.75\t0.25 1/2 3\n')).toEqual({ load1: 1.5, load5: 0.75, load15: 0.25 });
  });

  it('throws on negative averages (no count of tasks is negative), naming the line', () => {
    expect(() => parseLoadavg('-1.00 0.20 0.30 1/2 3\n')).toThrow('negative load average (line 1 "-1.00 0.20 0.30 1/2 3")');
  });

  it('throws on a short or non-numeric file', () => {
    expect(() => parseLoadavg('')).toThrow(/unexpected content/);
    expect(() => parseLoadavg('0.1 0.2\n')).toThrow(/unexpected content/);
    expect(() => parseLoadavg('0.1 abc 0.3 1/2 3\n')).toThrow('not a number: "abc" in /proc/loadavg');
  });
});

describe('parseDiskstats', () => {
  it('reads every line of the real 20-column capture', () => {
    const disks = parseDiskstats(proc('diskstats'));
    expect(disks.map((d) => d.device)).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0']);
    // 254 0 vda 37680 7490 1823394 16506 25277 27402 3056904 16108 0 9556 36161 8018 58 265896 1378 3810 2167
    expect(disks[8]).toEqual({
      major: 254,
      minor: 0,
      device: 'vda',
      readsCompleted: 37680,
      readsMerged: 7490,
      sectorsRead: 1823394,
      readTimeMs: 16506,
      writesCompleted: 25277,
      writesMerged: 27402,
      sectorsWritten: 3056904,
      writeTimeMs: 16108,
      ioNow: 0,
      ioTimeMs: 9556,
      ioWeightedTimeMs: 36161,
      discardsCompleted: 8018,
      discardsMerged: 58,
      sectorsDiscarded: 265896,
      discardTimeMs: 1378,
      flushRequests: 3810,
      flushTimeMs: 2167,
    });
    expect(disks[0]).toMatchObject({ major: 7, minor: 0, readsCompleted: 0, flushTimeMs: 0 });
  });

  it('reads 14 columns (before 4.18) without discard or flush fields', () => {
    const disks = parseDiskstats(edge('diskstats-14'));
    expect(disks).toHaveLength(2);
    expect(disks[1]).toEqual({
      major: 8,
      minor: 1,
      device: 'sda1',
      readsCompleted: 900,
      readsMerged: 9,
      sectorsRead: 18000,
      readTimeMs: 280,
      writesCompleted: 1900,
      writesMerged: 19,
      sectorsWritten: 38000,
      writeTimeMs: 580,
      ioNow: 1,
      ioTimeMs: 650,
      ioWeightedTimeMs: 860,
    });
    expect('discardsCompleted' in disks[0]!).toBe(false);
  });

  it('reads 18 columns (4.18 to 5.4): discards, no flush', () => {
    const [nvme] = parseDiskstats(edge('diskstats-18'));
    expect(nvme).toMatchObject({ device: 'nvme0n1', major: 259, ioWeightedTimeMs: 3300 });
    expect(nvme).toMatchObject({ discardsCompleted: 70, discardsMerged: 1, sectorsDiscarded: 5600, discardTimeMs: 40 });
    expect('flushRequests' in nvme!).toBe(false);
    expect('flushTimeMs' in nvme!).toBe(false);
  });

  it('reads 20 columns (5.5+): discards and flushes', () => {
    const [vdb] = parseDiskstats(edge('diskstats-20'));
    expect(vdb).toMatchObject({ device: 'vdb', minor: 16, discardTimeMs: 30, flushRequests: 55, flushTimeMs: 66 });
  });

  it('skips a line with a counter no kernel prints (negative, fractional)', () => {
    const good = '   8       0 sda 1 2 3 4 5 6 7 8 9 10 11';
    const lines = [good, '   8       1 sda1 1 2 3 4 5 6 7 8 9 10 -11', '   8       2 sda2 1 2 3 4.5 5 6 7 8 9 10 11', '  -8       3 sda3 1 2 3 4 5 6 7 8 9 10 11'];
    expect(parseDiskstats(lines.join('\n')).map((d) => d.device)).toEqual(['sda']);
  });

  it('skips blank, short, odd-length and non-numeric lines, and reads the first 20 columns of a longer one', () => {
    const disks = parseDiskstats(edge('diskstats-odd'));
    expect(disks.map((d) => d.device)).toEqual(['sdb', 'sde']);
    // sdb has 19 counters: the 18th and 19th (beyond any known kernel) are not read
    expect(disks[0]).toMatchObject({ readsCompleted: 1, flushRequests: 16, flushTimeMs: 17 });
    expect(Object.keys(disks[0]!)).toHaveLength(20);
    expect(disks[1]).toMatchObject({ readsCompleted: 11, flushTimeMs: 27 });
  });
});

describe('parseMountinfo', () => {
  it('reads the real capture, stacked mounts included (de-duplication is the source\'s job)', () => {
    const mounts = parseMountinfo(proc('1/mountinfo'));
    expect(mounts).toHaveLength(20);
    // 27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
    expect(mounts.find((m) => m.mountpoint === '/')).toEqual({
      major: 254,
      minor: 0,
      mountpoint: '/',
      device: '/dev/vda',
      fstype: 'ext4',
      options: ['rw', 'relatime'],
      superOptions: ['rw', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
    });
    expect(mounts.filter((m) => m.mountpoint === '/dev/pts').map((m) => m.minor)).toEqual([24, 26]);
    expect(mounts[0]).toMatchObject({ mountpoint: '/proc', fstype: 'proc', device: 'proc', major: 0, minor: 21 });
  });

  const mounts = parseMountinfo(edge('mountinfo-escapes'));
  const at = (mountpoint: string) => mounts.filter((m) => m.mountpoint === mountpoint);

  it('skips a garbage line and keeps the others', () => {
    expect(mounts).toHaveLength(8);
  });

  it('throws on a file without one mount line (a process always has its root), naming the first line', () => {
    expect(() => parseMountinfo('garbage here\nand here\n')).toThrow('no mount line (line 1 "garbage here")');
    expect(() => parseMountinfo('')).toThrow('no mount line (line 1 "")');
  });

  it('undoes octal escapes in mountpoint and device, and finds fields after two optional ones', () => {
    expect(at('/mnt/my disk')).toEqual([
      {
        major: 8,
        minor: 17,
        mountpoint: '/mnt/my disk',
        device: '/dev/disk/by-label/my label',
        fstype: 'ext4',
        options: ['rw', 'noatime'],
        superOptions: ['rw'],
      },
    ]);
    expect(at('/srv/tab\tand\\slash')).toHaveLength(1);
    expect(at('/srv/tab\tand\\slash')[0]!.device).toBe('tmp\nfs');
  });

  it('handles zero to three optional fields before the separator', () => {
    expect(at('/data').map((m) => [m.fstype, m.device, m.options])).toEqual([
      ['xfs', '/dev/sdb1', ['rw', 'relatime']], // master:7 propagate_from:3 unbindable
      ['ext4', '/dev/sda1', ['ro', 'relatime']], // shared:9
    ]);
    expect(at('/srv/tab\tand\\slash')[0]!.fstype).toBe('tmpfs'); // none
  });

  it('skips a line cut short after the separator, or with a device number that is not major:minor', () => {
    const good = '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw';
    // proc(5): the optional fields end at a lone "-"; a line cut before it has no fstype, source nor super options.
    const lines = [good, '25 20 8:6 / /nosep rw,relatime shared:1 master:2 ext4 /dev/sda6 rw', '21 20 8:2 / /cut rw - ext4 /dev/sda2', '22 20 8:3x / /bad rw - ext4 /dev/sda3 rw', '23 20 x8:4 / /bad2 rw - ext4 /dev/sda4 rw', '24 20 8 / /bad3 rw - ext4 /dev/sda5 rw'];
    expect(parseMountinfo(lines.join('\n')).map((m) => m.mountpoint)).toEqual(['/']);
  });

  it('undoes an escape followed by a digit as three octal digits only', () => {
    const [mount] = parseMountinfo('20 1 8:1 / /mnt/disk\\0402 rw - ext4 /dev/sda1 rw');
    expect(mount!.mountpoint).toBe('/mnt/disk 2');
  });

  it('keeps an empty mount source empty instead of shifting the super options into it', () => {
    expect(at('/home/user/fuse')[0]).toMatchObject({ fstype: 'fuse.sshfs', device: '', superOptions: ['rw', 'user_id=0'] });
  });

  it('gives the super options apart: "ro" there with "rw" per mount', () => {
    expect(at('/var')[0]).toMatchObject({ major: 9, minor: 127, options: ['rw', 'relatime'], superOptions: ['ro'] });
  });
});

describe('parseCpuinfoModel', () => {
  it('reads "model name" of the real capture', () => {
    expect(parseCpuinfoModel(proc('cpuinfo'))).toBe('AMD EPYC');
  });

  it('gives null where the architecture prints none (arm64 style), or names none', () => {
    expect(parseCpuinfoModel('processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n')).toBeNull();
    expect(parseCpuinfoModel('processor\t: 0\nmodel name\t: \n')).toBeNull();
  });

  it('takes the first "model name", whatever the whitespace around its colon', () => {
    expect(parseCpuinfoModel('processor : 0\nmodel name  :  Example CPU @ 2.00GHz \nmodel name: Other\n')).toBe('Example CPU @ 2.00GHz');
    expect(parseCpuinfoModel('model name: Other\n')).toBe('Other');
    // A key that only ends in "model name" is another field.
    expect(parseCpuinfoModel('cpu model name: Not it\nmodel name: This\n')).toBe('This');
  });
});

describe('parseOsRelease', () => {
  it('unquotes values and their escapes', () => {
    const vars = parseOsRelease(edge('os-release'));
    expect(vars.PRETTY_NAME).toBe('Example Linux 9 "Quoted"');
    expect(vars.NAME).toBe('Example Linux');
    expect(vars.ID).toBe('example');
  });

  it('follows shell quoting: escapes undone in double quotes only, single quotes taken literally', () => {
    // os-release(5): "$", quotes, backslash and backtick are escaped with backslashes, following shell style.
    const vars = parseOsRelease(['A="d \\$ \\` \\\\ \\" \\n"', "B='s \\$ \\\\ \\\"'", 'C=""', "D=''"].join('\n'));
    expect(vars).toEqual({ A: 'd $ ` \\ " \\n', B: 's \\$ \\\\ \\"', C: '', D: '' });
  });

  it('keeps a value whose quotes do not pair as it is', () => {
    const vars = parseOsRelease(['A="', "B='", 'C="x\'', 'D=x"', 'E= spaced '].join('\n'));
    expect(vars).toEqual({ A: '"', B: "'", C: '"x\'', D: 'x"', E: 'spaced' });
  });

  it('skips comments, blank lines and lines that assign nothing', () => {
    // os-release(5): lines beginning with "#" are comments; blank lines are ignored.
    const vars = parseOsRelease('# PRETTY_NAME="commented out"\n\n  ID_LIKE=debian\nnot an assignment\n-X=1\nVERSION_ID=12\n');
    expect(vars).toEqual({ ID_LIKE: 'debian', VERSION_ID: '12' });
  });
});
