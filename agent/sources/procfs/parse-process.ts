/**
 * Pure parsers of the per-process files of procfs (/proc/<pid>/stat, status, io, cmdline) and of the files that name
 * what they hold (/etc/passwd, /proc/self/auxv): no I/O, so that unit tests call them on captured text.
 */
import type { ProcessStat } from '../types';

/**
 * Indexes (from 0) of the fields of /proc/<pid>/stat after the `(comm)` field, per proc(5)'s numbering from 1:
 * state is field 3, utime 14, stime 15, num_threads 20, starttime 22, rss 24 (in pages).
 */
const AFTER_COMM = { state: 0, utime: 11, stime: 12, threads: 17, startTicks: 19, rssPages: 21 } as const;

/**
 * The `(comm)` field ends at the last `)` of the line: the name itself may hold spaces and parentheses
 * (`((sd-pam))`, `(tmux: server)`), but nothing after it can.
 */
function splitComm(text: string): { head: string; name: string; rest: string[] } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  return { head: text.slice(0, open).trim(), name: text.slice(open + 1, close), rest: text.slice(close + 2).trimEnd().split(' ') };
}

/** A whole non-negative number from a field, or NaN. */
function whole(field: string | undefined): number {
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : NaN;
}

/** /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat). Throws on text that is no stat line. */
export function parseProcessStat(text: string, pageBytes: number, userHz: number): ProcessStat {
  const parts = splitComm(text);
  const fields = parts?.rest ?? [];
  const pick = (index: number) => whole(fields[index]);
  const values = {
    pid: whole(parts?.head),
    utime: pick(AFTER_COMM.utime),
    stime: pick(AFTER_COMM.stime),
    threads: pick(AFTER_COMM.threads),
    startTicks: pick(AFTER_COMM.startTicks),
    rssPages: pick(AFTER_COMM.rssPages),
  };
  const state = fields[AFTER_COMM.state] ?? '';
  if (!parts || !/^[A-Za-z]$/.test(state) || Object.values(values).some(Number.isNaN)) {
    throw new Error(`not a stat line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return {
    pid: values.pid,
    name: parts.name,
    state,
    cpuSeconds: (values.utime + values.stime) / userHz,
    threads: values.threads,
    startTicks: values.startTicks,
    rssBytes: values.rssPages * pageBytes,
  };
}

/** The state letter of a stat line, all a thread's stat is read for. Throws on text that is no stat line. */
export function parseStatState(text: string): string {
  const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
  if (!/^[A-Za-z]$/.test(state)) throw new Error(`not a stat line: ${JSON.stringify(text.slice(0, 80))}`);
  return state;
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
