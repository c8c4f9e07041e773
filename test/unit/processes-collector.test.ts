/**
 * The processes collector on the procfs source over synthetic procfs trees written here in the kernel's formats
 * (bench/proc-tree.ts), and on the real capture: every figure checked against arithmetic on the ticks and bytes
 * written, never against the collector's helpers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createProcessesCollector } from '../../agent/collectors/processes';
import { parseConfig } from '../../agent/config';
import type { ProcessesEvent } from '../../agent/events';
import { createProcfsSource } from '../../agent/sources/procfs/source';
import type { ProcessesReading, Source } from '../../agent/sources/types';
import { writeKernelLimits, writeProcess, type FakeProcess } from '../../bench/proc-tree';

const PROC = join(__dirname, '../fixtures/proc');
const PAGE = 4096;
const TS = 1_763_942_400_000;

const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'hostfeed-processes-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const base = (pid: number, over: Partial<FakeProcess> = {}): FakeProcess => ({
  pid,
  name: `p${pid}`,
  state: 'S',
  utime: 0,
  stime: 0,
  startTicks: 1000 + pid,
  rssPages: 100,
  uid: 0,
  argv: [`/usr/bin/p${pid}`],
  ...over,
});

interface Harness {
  root: string;
  /** Advances the monotonic clock by `ms` and collects. */
  collect(afterMs?: number): Promise<{ data?: ProcessesEvent; raw: ProcessesReading }>;
  write(...processes: FakeProcess[]): void;
  remove(pid: number): void;
}

/** A tree, a rootfs whose passwd names uid 0 and 1000, the procfs source on both and the collector on the source. */
function harness(config: Record<string, unknown> = {}, wrap: (source: Source) => Pick<Required<Source>, 'processes'> = (s) => ({ processes: s.processes! })): Harness {
  const root = tempDir();
  const rootfs = tempDir();
  writeKernelLimits(root, 32768, 192726);
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  const source = createProcfsSource({ root, rootfs, pageBytes: PAGE });
  let clock = 0;
  const collector = createProcessesCollector(wrap(source), parseConfig({ collectors: { processes: config } }, 'test').collectors.processes, () => TS, () => clock);
  return {
    root,
    collect: async (afterMs = 0) => {
      clock += afterMs;
      return collector.collect();
    },
    write: (...processes) => processes.forEach((p) => writeProcess(root, p)),
    remove: (pid) => rmSync(join(root, String(pid)), { recursive: true }),
  };
}

const entryOf = (data: ProcessesEvent | undefined, pid: number) => data?.top.find((p) => p.pid === pid);

describe('the processes collector on a synthetic tree', () => {
  it('first read: a baseline with every process counted, no event and no details read', async () => {
    const h = harness();
    h.write(base(10), base(11, { otherThreads: ['R', 'D'] }));
    const { data, raw } = await h.collect();
    expect(data).toBeUndefined();
    expect(raw.processes.map((p) => p.pid).sort()).toEqual([10, 11]);
    expect(raw.details).toEqual([]);
    expect(raw.threadStates).toEqual({ S: 2, R: 1, D: 1 });
    expect([raw.pidMax, raw.threadsMax]).toEqual([32768, 192726]);
  });

  it('a process\'s CPU share: the ticks it gained over the interval; totals by state and threads', async () => {
    const h = harness();
    h.write(base(10, { utime: 100, stime: 20 }), base(11, { state: 'R', otherThreads: ['S', 'S'] }), base(12, { state: 'Z', rssPages: 0, argv: [] }));
    await h.collect();
    h.write(base(10, { utime: 150, stime: 30 }));
    const { data } = await h.collect(2000);
    // (150 + 30 - 100 - 20) ticks = 0.6 s of CPU over 2 s.
    expect(entryOf(data, 10)!.cpuSecondsPerSecond).toBe(0.3);
    expect(entryOf(data, 11)!.cpuSecondsPerSecond).toBe(0);
    expect(data).toMatchObject({ ts: TS, total: 3, threads: 5, states: { S: 1, R: 1, Z: 1 } });
    expect(entryOf(data, 12)).toMatchObject({ state: 'Z', command: '', rssBytes: 0, threads: 1 });
  });

  it('a reused pid is another process: its own ticks since it started, never a drop from the old one\'s', async () => {
    const h = harness();
    h.write(base(500, { utime: 5000, startTicks: 1000 }));
    await h.collect();
    h.write(base(500, { utime: 40, stime: 10, startTicks: 2000 }));
    const { data } = await h.collect(1000);
    expect(entryOf(data, 500)!.cpuSecondsPerSecond).toBe(0.5); // 50 ticks over 1 s
  });

  it('a process started since the last reading counts all its CPU time; one gone is forgotten, not kept', async () => {
    const h = harness();
    h.write(base(20, { utime: 300 }));
    await h.collect();
    h.remove(20);
    h.write(base(21, { utime: 25 }));
    const second = await h.collect(500);
    expect(entryOf(second.data, 21)!.cpuSecondsPerSecond).toBe(0.5); // 25 ticks over 0.5 s
    expect(entryOf(second.data, 20)).toBeUndefined();
    // The same process back (as a test can make it): its old counters were dropped with it, so all its ticks count.
    h.write(base(20, { utime: 310 }));
    const third = await h.collect(1000);
    expect(entryOf(third.data, 20)!.cpuSecondsPerSecond).toBe(3.1);
  });

  it('processes that exit mid-read are skipped, not an error: between the listing and the stat, and before the details', async () => {
    let vanish: number | undefined;
    const h = harness({}, (source) => ({
      processes: (pick) =>
        source.processes!((processes) => {
          const pids = pick(processes);
          if (vanish !== undefined) rmSync(join(h.root, String(vanish)), { recursive: true });
          return pids;
        }),
    }));
    h.write(base(30, { utime: 10 }), base(31, { utime: 500 }), base(32, { otherThreads: ['R', 'S'] }));
    mkdirSync(join(h.root, '33')); // listed, but its files are gone: exited between readdir and read
    rmSync(join(h.root, '32/task/33/stat')); // a thread that ended between the task listing and its stat
    const first = await h.collect();
    expect(first.raw.processes.map((p) => p.pid).sort()).toEqual([30, 31, 32]);
    expect(first.raw.threadStates).toEqual({ S: 4 });
    vanish = 31; // the busiest: picked for the top, then gone before its cmdline is read
    const { data } = await h.collect(1000);
    expect(data!.top.map((p) => p.pid)).toEqual([30, 32]);
    expect(data!.total).toBe(3); // it was read: it counts, as node_processes_pids counts it
  });

  it('arguments are hidden by default: the program alone, cut at its first space where argv[0] holds them', async () => {
    const h = harness();
    h.write(base(40, { argv: ['/usr/bin/mysql', '--user=root', '--password=hunter2'] }), base(41, { argv: ['chromium --type=renderer --token=abc'] }));
    await h.collect();
    const { data } = await h.collect(1000);
    expect(entryOf(data, 40)!.command).toBe('/usr/bin/mysql');
    expect(entryOf(data, 41)!.command).toBe('chromium');
    expect(JSON.stringify(data)).not.toMatch(/hunter2|token=abc/);
  });

  it('showArguments: the command line, arguments separated by spaces; cut at commandMaxLength characters', async () => {
    const h = harness({ showArguments: true, commandMaxLength: 20 });
    h.write(base(42, { argv: ['/bin/sh', '-c', 'echo hi'] }), base(43, { argv: ['/usr/bin/python3', '-m', 'http.server', '8000'] }), base(44, { argv: ['/opt/ünï/cödé', 'ärgümént'] }));
    await h.collect();
    const { data } = await h.collect(1000);
    expect(entryOf(data, 42)!.command).toBe('/bin/sh -c echo hi');
    expect(entryOf(data, 43)!.command).toBe('/usr/bin/python3 -m…');
    expect([...entryOf(data, 43)!.command]).toHaveLength(20);
    expect(entryOf(data, 44)!.command).toBe('/opt/ünï/cödé ärgüm…');
  });

  it('the user: the effective uid\'s name in the rootfs\' passwd, else the uid', async () => {
    const h = harness();
    h.write(base(50, { uid: 1000 }), base(51, { uid: 4242 }), base(52, { uid: 0 }));
    await h.collect();
    const { data } = await h.collect(1000);
    expect([50, 51, 52].map((pid) => entryOf(data, pid)!.user)).toEqual(['alice', '4242', 'root']);
  });

  it('the top N by CPU, then the top N by memory not among them, each once', async () => {
    const h = harness({ top: 2 });
    const processes = [
      base(60, { utime: 10, rssPages: 10 }),
      base(61, { utime: 20, rssPages: 5000 }), // first by CPU and by memory
      base(62, { utime: 15, rssPages: 20 }),
      base(63, { utime: 1, rssPages: 3000 }),
      base(64, { utime: 2, rssPages: 30 }),
    ];
    h.write(...processes);
    await h.collect();
    h.write(...processes.map((p) => ({ ...p, utime: p.utime * 2 })));
    const { data } = await h.collect(1000);
    expect(data!.top.map((p) => p.pid)).toEqual([61, 62, 63]);
    expect(data!.top.map((p) => p.rssBytes)).toEqual([5000 * PAGE, 20 * PAGE, 3000 * PAGE]);
  });

  it.each([
    ['in ascending pid order', (a: { pid: number }, b: { pid: number }) => a.pid - b.pid],
    ['in descending pid order', (a: { pid: number }, b: { pid: number }) => b.pid - a.pid],
  ])('ties go to the other figure, then to the lower pid, whatever order the processes are listed %s', async (_, order) => {
    // The list as the directory gives it, in the order asked: the ranking must not depend on it.
    const h = harness({ top: 2 }, (source) => ({ processes: (pick) => source.processes!((processes) => pick([...processes].sort(order))) }));
    // Gained ticks (CPU) and RSS pages: 80-82 tie on CPU, 81 and 82 on memory too; 84-86 tie on memory, 85 and 86 on CPU too.
    const processes = [
      base(80, { utime: 10, rssPages: 100 }),
      base(82, { utime: 10, rssPages: 200 }),
      base(81, { utime: 10, rssPages: 200 }),
      base(83, { utime: 5, rssPages: 50 }),
      base(84, { utime: 1, rssPages: 300 }),
      base(86, { utime: 2, rssPages: 300 }),
      base(85, { utime: 2, rssPages: 300 }),
    ];
    h.write(...processes.map((p) => ({ ...p, utime: 0 })));
    await h.collect();
    h.write(...processes);
    const { data } = await h.collect(1000);
    // By CPU: 81 and 82 (200 pages beat 100; then the lower pid); by memory, of the others: 85 and 86 (2 ticks beat 1).
    expect(data!.top.map((p) => p.pid)).toEqual([81, 82, 85, 86]);
  });

  it('a command of commandMaxLength characters is whole, however many UTF-16 units they take; one more is cut', async () => {
    const h = harness({ showArguments: true, commandMaxLength: 10 });
    // 10 code points in 13 UTF-16 units (3 astral characters), and 11 in 14.
    h.write(base(90, { argv: ['/bin/𝔸𝔹𝔻', 'x'] }), base(91, { argv: ['/bin/𝔸𝔹𝔻', 'xy'] }));
    await h.collect();
    const { data } = await h.collect(1000);
    expect([...entryOf(data, 90)!.command]).toHaveLength(10);
    expect(entryOf(data, 90)!.command).toBe('/bin/𝔸𝔹𝔻 x');
    expect(entryOf(data, 91)!.command).toBe('/bin/𝔸𝔹𝔻 …');
  });

  it('a reading at the same instant as the last, or more than 2 minutes after it, is a baseline: no event', async () => {
    const h = harness();
    h.write(base(95, { utime: 10 }));
    await h.collect();
    expect((await h.collect(0)).data).toBeUndefined();
    expect((await h.collect(120_001)).data).toBeUndefined();
    h.write(base(95, { utime: 110 }));
    expect(entryOf((await h.collect(2000)).data, 95)!.cpuSecondsPerSecond).toBe(0.5);
  });

  it('I/O bytes/s from io\'s read_bytes and write_bytes, from a process\'s second sample in the list; none without io', async () => {
    const h = harness();
    h.write(base(70, { io: { readBytes: 1000, writeBytes: 0 } }), base(71));
    await h.collect();
    const second = await h.collect(1000);
    expect(entryOf(second.data, 70)).not.toHaveProperty('readBytesPerSecond');
    h.write(base(70, { io: { readBytes: 1000 + 8192, writeBytes: 2048 } }));
    const third = await h.collect(2000);
    expect(entryOf(third.data, 70)).toMatchObject({ readBytesPerSecond: 4096, writeBytesPerSecond: 1024 });
    expect(entryOf(third.data, 71)).not.toHaveProperty('readBytesPerSecond');
    expect(entryOf(third.data, 71)).not.toHaveProperty('writeBytesPerSecond');
  });

  it('a stat that cannot be right fails the read, naming the file', async () => {
    const h = harness();
    h.write(base(80));
    writeFileSync(join(h.root, '80/stat'), 'garbage\n');
    await expect(h.collect()).rejects.toThrow(`couldn't parse ${h.root}/80/stat: not a stat line`);
  });

  it('no kernel limits (not a procfs) fails the read', async () => {
    const h = harness();
    rmSync(join(h.root, 'sys'), { recursive: true });
    await expect(h.collect()).rejects.toThrow(/pid_max/);
  });
});

describe('the processes collector on the real capture', () => {
  it('counts the captured processes and names them as ps does', async () => {
    const source = createProcfsSource({ root: PROC, pageBytes: PAGE });
    let clock = 0;
    const collector = createProcessesCollector({ processes: source.processes! }, parseConfig({}, 'test').collectors.processes, () => TS, () => (clock += 1000));
    const baseline = await collector.collect();
    // 1/ holds only mountinfo: listed like a process that exited before its stat was read.
    expect(baseline.raw.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([2, 4, 16713, 16715, 16717, 16720]);
    const { data } = await collector.collect();
    expect(data).toMatchObject({ total: 6, threads: 12, states: { S: 4, I: 1, Z: 1 } });
    expect(data!.top.map((p) => [p.pid, p.name, p.command, p.user])).toEqual(
      expect.arrayContaining([
        [16715, '(sd-pam)', '/root/.pyenv/versions/3.11.7/bin/python3', 'root'],
        [16717, 'node', 'node', 'root'],
        [2, 'kthreadd', '', 'root'],
      ]),
    );
    expect(data!.top.find((p) => p.pid === 16715)!.rssBytes).toBe(13824 * 1024); // status VmRSS
    source.close?.();
  });
});
