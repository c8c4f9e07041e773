/**
 * Pure parsers of the per-process files of procfs (/proc/<pid>/stat, status, io, cmdline) and of the files that name
 * what they hold (/etc/passwd, /proc/self/auxv): no I/O, so that unit tests call them on captured text.
 */
import type { ProcessStat } from '../types';

/**
 * Indexes (from 0) of the fields of /proc/<pid>/stat after the `(comm)` field, per proc(5)'s numbering from 1:
 * state is field 3, utime 14, stime 15, num_threads 20, starttime 22, rss 24 (in pages).
 */
const AFTER_COMM = { utime: 11, stime: 12, threads: 17, startTicks: 19, rssPages: 21 } as const;
const LAST_FIELD = AFTER_COMM.rssPages;

/**
 * The whole non-negative numbers of the fields after `(comm)` up to LAST_FIELD, NaN for any other field (the state
 * letter, a negative nice). A scan rather than a split: a sample parses a stat line per process, thousands on a large
 * host, and the split's 52 strings cost more than the reads.
 */
function numbersAfter(text: string, from: number): number[] {
  const numbers: number[] = [];
  let value = 0;
  let digits = 0;
  let valid = true;
  for (let i = from; i <= text.length && numbers.length <= LAST_FIELD; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c === 32 || c === 10) {
      numbers.push(digits > 0 && valid ? value : NaN);
      value = 0;
      digits = 0;
      valid = true;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else valid = false;
  }
  return numbers;
}

/**
 * /proc/<pid>/stat. The `(comm)` field ends at the last `)` of the line: the name itself may hold spaces and
 * parentheses (`((sd-pam))`, `(tmux: server)`), nothing after it can. Throws on text that is no stat line.
 */
export function parseProcessStat(text: string, pageBytes: number, userHz: number): ProcessStat {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  const pid = /^\d+$/.test(text.slice(0, open)) ? Number(text.slice(0, open)) : NaN;
  const numbers = open > 0 && close > open ? numbersAfter(text, close + 2) : [];
  const field = (index: number) => numbers[index] ?? NaN;
  const [utime, stime, threads, startTicks, rssPages] = [field(AFTER_COMM.utime), field(AFTER_COMM.stime), field(AFTER_COMM.threads), field(AFTER_COMM.startTicks), field(AFTER_COMM.rssPages)];
  const state = text.charAt(close + 2);
  if (!isStateLetter(state) || text.charAt(close + 3) !== ' ' || Number.isNaN(pid + utime + stime + threads + startTicks + rssPages)) {
    throw new Error(`not a stat line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { pid, name: text.slice(open + 2, close), state, cpuSeconds: (utime + stime) / userHz, threads, startTicks, rssBytes: rssPages * pageBytes };
}

function isStateLetter(state: string): boolean {
  return /^[A-Za-z]$/.test(state);
}

/** The state letter of a stat line, all a thread's stat is read for. Throws on text that is no stat line. */
export function parseStatState(text: string): string {
  const close = text.lastIndexOf(')');
  const state = text.charAt(close + 2);
  if (close < 0 || !isStateLetter(state) || text.charAt(close + 3) !== ' ') throw new Error(`not a stat line: ${JSON.stringify(text.slice(0, 80))}`);
  return state;
}

/** Resident pages of /proc/<pid>/statm (`size resident shared text lib data dt`, in pages). */
export function parseStatmResidentPages(text: string): number {
  const resident = whole(text.split(' ')[1]);
  if (Number.isNaN(resident)) throw new Error(`not a statm line: ${JSON.stringify(text.slice(0, 80))}`);
  return resident;
}

/** The effective uid of /proc/<pid>/status (`Uid: real effective saved fs`), the user ps and top show. */
export function parseStatusEffectiveUid(text: string): number {
  const match = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  if (!match) throw new Error('no Uid line in status');
  return Number(match[1]);
}

/**
 * /proc/<pid>/io's read_bytes and write_bytes: what the process made the storage layer fetch and send (rchar and wchar
 * count every read and write call, pipes, sockets and the page cache included).
 */
export function parseIo(text: string): { readBytes: number; writeBytes: number } {
  const field = (name: string) => {
    const match = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
    if (!match) throw new Error(`no ${name} line in io`);
    return Number(match[1]);
  };
  return { readBytes: field('read_bytes'), writeBytes: field('write_bytes') };
}

/** /proc/<pid>/cmdline: arguments each ended by a NUL (the last one's may be cut off where the read was). */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const argv = text.split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  return argv;
}

/** A whole non-negative number from a field, or NaN. */
function whole(field: string | undefined): number {
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : NaN;
}

/** passwd(5): uid to name, the first entry of a uid winning (as getpwuid). Lines that do not read are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    const id = whole(uid);
    if (name && !Number.isNaN(id) && !names.has(id)) names.set(id, name);
  }
  return names;
}

/** AT_PAGESZ in getauxval(3)'s list of auxiliary vector types. */
const AT_PAGESZ = 6;

/**
 * The page size from an auxiliary vector (/proc/self/auxv): pairs of native words (type, value), ended by type 0.
 * `wordBytes`: 8 on 64-bit systems, 4 on 32-bit ones. undefined where the vector has no AT_PAGESZ.
 */
export function pageSizeFromAuxv(auxv: Buffer, wordBytes: 4 | 8, littleEndian: boolean): number | undefined {
  const word = (offset: number): number => {
    if (wordBytes === 4) return littleEndian ? auxv.readUInt32LE(offset) : auxv.readUInt32BE(offset);
    return Number(littleEndian ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset));
  };
  for (let offset = 0; offset + 2 * wordBytes <= auxv.length; offset += 2 * wordBytes) {
    const type = word(offset);
    if (type === 0) return undefined;
    if (type === AT_PAGESZ) return word(offset + wordBytes);
  }
  return undefined;
}
