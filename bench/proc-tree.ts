/**
 * Synthetic procfs trees of processes, in the files' real formats (proc(5)): the bench's 1,000 processes, and the
 * tests' edge cases. Both hostfeed (procfsRoot) and node_exporter (--path.procfs) read them as they read /proc.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  name: string;
  state: string;
  /** Clock ticks (1/100 s) in user and kernel mode. */
  utime: number;
  stime: number;
  startTicks: number;
  rssPages: number;
  /** Effective uid (the real one is 0 below, so that a parser that takes the wrong column shows it). */
  uid: number;
  argv: string[];
  /** The states of the threads other than the main one (whose state is the process's). */
  otherThreads?: string[];
  /** read_bytes and write_bytes of /proc/<pid>/io; absent: no io file (unreadable, as another user's is). */
  io?: { readBytes: number; writeBytes: number };
}

/** A /proc/<pid>/stat line (52 fields, kernel 3.5+): those set here in their places, the rest 0. */
export function statLine(p: Pick<FakeProcess, 'pid' | 'name' | 'state' | 'utime' | 'stime' | 'startTicks' | 'rssPages'>, threads: number): string {
  const fields = Array<number | string>(52).fill(0);
  // proc(5) numbers the fields from 1.
  const set = (field: number, value: number | string) => (fields[field - 1] = value);
  set(1, p.pid);
  set(2, `(${p.name})`);
  set(3, p.state);
  set(4, 1); // ppid
  set(14, p.utime);
  set(15, p.stime);
  set(18, 20); // priority
  set(20, threads);
  set(22, p.startTicks);
  set(23, p.rssPages * 4096 * 3); // vsize, bytes
  set(24, p.rssPages);
  set(25, '18446744073709551615'); // rsslim: unlimited
  return `${fields.join(' ')}\n`;
}

function statusText(p: FakeProcess, threads: number): string {
  return [
    `Name:\t${p.name}`,
    'Umask:\t0022',
    `State:\t${p.state}`,
    `Tgid:\t${p.pid}`,
    `Pid:\t${p.pid}`,
    'PPid:\t1',
    `Uid:\t0\t${p.uid}\t${p.uid}\t${p.uid}`,
    `Gid:\t0\t${p.uid}\t${p.uid}\t${p.uid}`,
    `VmRSS:\t${p.rssPages * 4} kB`,
    `Threads:\t${threads}`,
    '',
  ].join('\n');
}

/** Writes /proc/<pid>/{stat,statm,status,cmdline,io} and task/<tid>/stat (tids pid, pid+1, ...) under `root`. */
export function writeProcess(root: string, p: FakeProcess): void {
  const dir = join(root, String(p.pid));
  const others = p.otherThreads ?? [];
  const threads = 1 + others.length;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stat'), statLine(p, threads));
  writeFileSync(join(dir, 'statm'), `${p.rssPages * 3} ${p.rssPages} 0 0 0 0 0\n`);
  writeFileSync(join(dir, 'status'), statusText(p, threads));
  writeFileSync(join(dir, 'cmdline'), p.argv.map((arg) => `${arg}\0`).join(''));
  if (p.io) {
    const { readBytes, writeBytes } = p.io;
    writeFileSync(join(dir, 'io'), `rchar: ${readBytes * 2}\nwchar: ${writeBytes * 2}\nsyscr: 10\nsyscw: 5\nread_bytes: ${readBytes}\nwrite_bytes: ${writeBytes}\ncancelled_write_bytes: 0\n`);
  }
  [p.state, ...others].forEach((state, i) => {
    const tid = p.pid + i;
    mkdirSync(join(dir, 'task', String(tid)), { recursive: true });
    writeFileSync(join(dir, 'task', String(tid), 'stat'), statLine({ ...p, pid: tid, state }, threads));
  });
}

/** /proc/sys/kernel/pid_max and threads-max, which node_exporter's processes collector needs too. */
export function writeKernelLimits(root: string, pidMax = 4194304, threadsMax = 63704): void {
  mkdirSync(join(root, 'sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'sys/kernel/pid_max'), `${pidMax}\n`);
  writeFileSync(join(root, 'sys/kernel/threads-max'), `${threadsMax}\n`);
}

const STATES = ['S', 'S', 'S', 'S', 'S', 'I', 'R', 'D'];

/**
 * `count` processes as a busy server has them: mostly sleeping, some idle kernel threads (no command line, no RSS),
 * one in ten with 4 threads more; every one with io. Ticks and RSS vary by pid so that no two rank alike.
 */
export function writeProcTree(root: string, count: number): void {
  writeKernelLimits(root);
  for (let i = 0; i < count; i++) {
    const pid = 100 + i * 7;
    const state = STATES[i % STATES.length]!;
    const kernel = state === 'I';
    writeProcess(root, {
      pid,
      name: kernel ? `kworker/${i % 4}:1` : `worker-${i}`,
      state,
      utime: (i * 37) % 5000,
      stime: (i * 11) % 900,
      startTicks: 1000 + i,
      rssPages: kernel ? 0 : 200 + ((i * 53) % 20000),
      uid: i % 3 === 0 ? 0 : 1000,
      argv: kernel ? [] : [`/usr/bin/worker-${i}`, '--config', `/etc/worker/${i}.conf`],
      otherThreads: i % 10 === 0 ? ['S', 'S', 'R', 'S'] : [],
      io: { readBytes: i * 4096, writeBytes: i * 512 },
    });
  }
}
