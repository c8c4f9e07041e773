/**
 * The processes of procfs: one stat per process every read, a task/ listing for the processes with several threads
 * (their threads' states), and cmdline, status and io for the few a collector picks. Thousands of small files: each is
 * read synchronously into one buffer (see proc-file.ts for why sync), in batches with a turn of the event loop between
 * them, so that a host with thousands of processes never holds the loop for the whole walk. Starts no process.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import * as os from 'node:os';
import type { ProcessDetail, ProcessesReading, ProcessStat } from '../types';
import { pageSizeFromAuxv, parseCmdline, parseIo, parsePasswd, parseProcessStat, parseStatState, parseStatusEffectiveUid } from './parse-process';

/** Processes read between two turns of the event loop: about a millisecond of reads. */
const BATCH = 200;
/** Every stat line fits (its longest field, comm, is 64 bytes at most); status's Uid line is within its first lines. */
const SMALL_FILE_BYTES = 4096;
/** cmdline beyond this is cut: room for a command line of 4096 characters (the longest kept) in any UTF-8. */
const CMDLINE_BYTES = 16 * 1024;

/** Errors of a process that exited since the listing (ENOENT, ESRCH) or that hidepid hides (EACCES): skipped. */
const GONE = new Set(['ENOENT', 'ESRCH', 'EACCES']);

function isGone(err: unknown): boolean {
  return GONE.has((err as NodeJS.ErrnoException).code ?? '');
}

/** Where the auxiliary vector has no page size or cannot be read: the size of x86 and most arm64 kernels. */
const COMMON_PAGE_BYTES = 4096;

/**
 * This kernel's page size (what stat's rss counts), from the agent's own auxiliary vector: Node has no sysconf, and
 * every process of one kernel has the same.
 */
export function systemPageBytes(auxvPath = '/proc/self/auxv'): number {
  try {
    const wordBytes = process.arch === 'ia32' || process.arch === 'arm' ? 4 : 8;
    return pageSizeFromAuxv(readFileSync(auxvPath), wordBytes, os.endianness() === 'LE') ?? COMMON_PAGE_BYTES;
  } catch {
    return COMMON_PAGE_BYTES;
  }
}

export interface ProcessTableOptions {
  root: string;
  rootfs: string;
  pageBytes: number;
  userHz: number;
}

export function createProcessTable({ root, rootfs, pageBytes, userHz }: ProcessTableOptions) {
  const buffer = Buffer.allocUnsafe(CMDLINE_BYTES);
  let users: Map<number, string> | undefined;

  /** The start of a file, up to `bytes`: all of any file read here but a long cmdline. */
  const readStart = (path: string, bytes = SMALL_FILE_BYTES): string => {
    const fd = openSync(path, 'r');
    try {
      return buffer.toString('utf8', 0, readSync(fd, buffer, 0, bytes, 0));
    } finally {
      closeSync(fd);
    }
  };

  /** A file of a process parsed; undefined if the process is gone. A parse failure names the file. */
  const readOf = <T>(path: string, parse: (text: string) => T, bytes?: number): T | undefined => {
    let text: string;
    try {
      text = readStart(path, bytes);
    } catch (err) {
      if (isGone(err)) return undefined;
      throw new Error(`couldn't read ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      return parse(text);
    } catch (err) {
      throw new Error(`couldn't parse ${path}: ${(err as Error).message}`, { cause: err });
    }
  };

  /** /etc/passwd under rootfs, read once: a user added later shows as its uid until the agent restarts. */
  const userName = (uid: number): string => {
    if (!users) {
      try {
        users = parsePasswd(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'));
      } catch {
        users = new Map(); // no passwd (a container's bare rootfs): every user shows as its uid
      }
    }
    return users.get(uid) ?? String(uid);
  };

  /** Adds the states of a process's threads: the main one's is the process's own, as node_exporter counts them. */
  const countThreads = (proc: ProcessStat, states: Record<string, number>) => {
    const add = (state: string) => (states[state] = (states[state] ?? 0) + 1);
    // A single-threaded process's task/ lists only itself: its state is known without reading the directory.
    if (proc.threads <= 1) {
      add(proc.state);
      return;
    }
    const task = `${root}/${proc.pid}/task`;
    let tids: string[];
    try {
      tids = readdirSync(task);
    } catch (err) {
      if (isGone(err)) return;
      throw new Error(`couldn't list ${task}: ${(err as Error).message}`, { cause: err });
    }
    for (const tid of tids) {
      if (tid === String(proc.pid)) add(proc.state);
      else {
        const state = readOf(`${task}/${tid}/stat`, parseStatState);
        if (state !== undefined) add(state);
      }
    }
  };

  const detailOf = (pid: number): ProcessDetail | undefined => {
    const dir = `${root}/${pid}`;
    const uid = readOf(`${dir}/status`, parseStatusEffectiveUid);
    const argv = readOf(`${dir}/cmdline`, parseCmdline, CMDLINE_BYTES);
    if (uid === undefined || argv === undefined) return undefined;
    let io: ProcessDetail['io'];
    try {
      io = parseIo(readStart(`${dir}/io`));
    } catch {
      // io is readable by the process's own user and by root only (ptrace access): without it, no I/O figures
    }
    return { pid, argv, user: userName(uid), ...(io && { io }) };
  };

  const limit = (name: string) => readOf(`${root}/sys/kernel/${name}`, (text) => {
    const value = Number(text.trim());
    if (!Number.isInteger(value) || value <= 0) throw new Error(`not a positive whole number: ${JSON.stringify(text.trim())}`);
    return value;
  });

  return {
    async read(pick: (processes: readonly ProcessStat[]) => readonly number[]): Promise<ProcessesReading> {
      const pidMax = limit('pid_max');
      const threadsMax = limit('threads-max');
      if (pidMax === undefined || threadsMax === undefined) throw new Error(`couldn't read ${root}/sys/kernel/pid_max and threads-max`);
      const pids = readdirSync(root).filter((name) => name.charCodeAt(0) <= 57 && /^\d+$/.test(name));
      const processes: ProcessStat[] = [];
      const threadStates: Record<string, number> = {};
      for (let start = 0; start < pids.length; start += BATCH) {
        if (start > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const pid of pids.slice(start, start + BATCH)) {
          const proc = readOf(`${root}/${pid}/stat`, (text) => parseProcessStat(text, pageBytes, userHz));
          if (!proc) continue;
          processes.push(proc);
          countThreads(proc, threadStates);
        }
      }
      const details = pick(processes).flatMap((pid) => detailOf(pid) ?? []);
      return { processes, threadStates, pidMax, threadsMax, details };
    },
  };
}
