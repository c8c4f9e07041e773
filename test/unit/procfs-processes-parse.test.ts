/**
 * The per-process parsers on the real capture (test/fixtures/proc/<pid>/, see its README), each figure checked against
 * another file of the same process that states it otherwise (status against stat, VmRSS against statm), and on edge
 * cases the capture has not.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  pageSizeFromAuxv,
  parseCmdline,
  parseIo,
  parsePasswd,
  parseProcessStat,
  parseStatmResidentPages,
  parseStatState,
  parseStatusEffectiveUid,
} from '../../agent/sources/procfs/parse-process';

const PROC = join(__dirname, '../fixtures/proc');
const CAPTURED = ['2', '4', '16713', '16715', '16717', '16720'];
const read = (path: string) => readFileSync(join(PROC, path), 'utf8');

/** A `Key:\tvalue` line of status. */
const statusField = (pid: string, key: string) => new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(read(`${pid}/status`))?.[1];

describe('parseProcessStat on the capture', () => {
  it.each(CAPTURED)('pid %s: the name, state and threads status gives', (pid) => {
    const stat = parseProcessStat(read(`${pid}/stat`), 4096, 100);
    expect(stat.pid).toBe(Number(pid));
    expect(stat.name).toBe(statusField(pid, 'Name'));
    expect(stat.state).toBe(statusField(pid, 'State')![0]);
    expect(stat.threads).toBe(Number(statusField(pid, 'Threads')));
  });

  it('a name with spaces and parentheses: the comm field ends at the last ")"', () => {
    expect(parseProcessStat(read('16715/stat'), 4096, 100).name).toBe('(sd-pam)');
    const odd = read('16715/stat').replace('((sd-pam))', '(a) b (c) d)');
    expect(parseProcessStat(odd, 4096, 100)).toMatchObject({ name: 'a) b (c) d', state: 'S', pid: 16715 });
  });

  it('utime + stime (fields 14 and 15) in seconds, start time (22) in ticks, rss (24) in pages', () => {
    // proc(5)'s numbering counted here on the fields after the comm, independently of the parser.
    const line = read('16715/stat');
    const after = line.slice(line.lastIndexOf(')') + 2).split(' ');
    const field = (n: number) => Number(after[n - 3]);
    const stat = parseProcessStat(line, 4096, 100);
    expect(stat.cpuSeconds).toBeCloseTo((field(14) + field(15)) / 100, 10);
    expect(stat.startTicks).toBe(field(22));
    expect(stat.rssBytes).toBe(field(24) * 4096);
    expect(stat.cpuSeconds).toBeGreaterThan(0);
  });

  it('a kernel thread and a zombie: no RSS', () => {
    expect(parseProcessStat(read('2/stat'), 4096, 100)).toMatchObject({ name: 'kthreadd', rssBytes: 0 });
    expect(parseProcessStat(read('4/stat'), 4096, 100)).toMatchObject({ state: 'I', rssBytes: 0 });
    expect(parseProcessStat(read('16720/stat'), 4096, 100)).toMatchObject({ state: 'Z', rssBytes: 0 });
  });

  it.each([
    ['empty', ''],
    ['no comm', '123 S 1 2 3'],
    ['cut short', '123 (x) S 1 1 1 0 -1 4194560 22289 718234'],
    ['not a number', read('16713/stat').replace(/^(\S+ \(sleep\) S( \S+){10}) \d+/, '$1 12x')],
    ['a pid that is no number', read('16713/stat').replace('16713', 'x')],
  ])('throws on %s', (_case, text) => {
    expect(() => parseProcessStat(text, 4096, 100)).toThrow(/not a stat line/);
  });

  /** A stat line of proc(5)'s layout: pid (comm) state, then fields 4 to 24 (utime 14, stime 15, threads 20, starttime 22, rss 24). */
  const statLine = (over: Partial<Record<'pid' | 'state' | 'utime' | 'rss', string>> = {}, tail = '') => {
    const { pid = '42', state = 'S', utime = '150', rss = '250' } = over;
    return `${pid} (w) ${state} 1 42 42 0 -1 4194560 100 0 0 0 ${utime} 50 0 0 20 0 3 0 5000 1000000 ${rss}${tail}`;
  };

  it('a line that ends at rss, with or without its newline: rss is its last number', () => {
    expect(parseProcessStat(statLine(), 4096, 100)).toMatchObject({ pid: 42, state: 'S', cpuSeconds: 2, threads: 3, startTicks: 5000, rssBytes: 250 * 4096 });
    expect(parseProcessStat(statLine({}, '\n'), 4096, 100).rssBytes).toBe(250 * 4096);
  });

  it.each([
    ['a pid with a letter before it', statLine({ pid: 'x42' })],
    ['a pid with a letter after it', statLine({ pid: '42x' })],
    ['a state that is no letter', statLine({ state: '1' })],
    ['a state of two letters', statLine({ state: 'SS' })],
    ['a negative utime', statLine({ utime: '-150' })],
    ['a utime with a point', statLine({ utime: '1.5' })],
    ['two spaces before a field', statLine({ utime: ' 150' })],
  ])('throws on %s', (_case, text) => {
    expect(() => parseProcessStat(text, 4096, 100)).toThrow(/not a stat line/);
  });

  it("names at most the line's first 80 characters when it throws", () => {
    const long = statLine({ state: '1' }, ' 0'.repeat(60));
    expect(() => parseProcessStat(long, 4096, 100)).toThrow(`not a stat line: ${JSON.stringify(long.slice(0, 80))}`);
    expect(() => parseStatState(`7 (x) 1 ${'0 '.repeat(60)}`)).toThrow(`not a stat line: ${JSON.stringify(`7 (x) 1 ${'0 '.repeat(60)}`.slice(0, 80))}`);
  });

  it('parseStatState throws on a line with no comm, a state that is no letter, or two letters', () => {
    expect(() => parseStatState('7 x S 1')).toThrow(/not a stat line/);
    expect(() => parseStatState('7S 1')).toThrow(/not a stat line/); // a letter and a space where no comm ends
    expect(() => parseStatState('7 (x) 1 1')).toThrow(/not a stat line/);
    expect(() => parseStatState('7 (x) SS 1')).toThrow(/not a stat line/);
    expect(parseStatState('7 (a) b) R 1')).toBe('R');
  });

  it('parseStatState reads a thread\'s state the same way', () => {
    for (const tid of ['16717', '16750', '16757']) expect(parseStatState(read(`16717/task/${tid}/stat`))).toBe('S');
    expect(() => parseStatState('garbage')).toThrow(/not a stat line/);
  });
});

describe('the other files of a process', () => {
  it.each(CAPTURED)('pid %s: statm resident pages are status VmRSS (0 where status has none)', (pid) => {
    const vmRss = statusField(pid, 'VmRSS');
    expect(parseStatmResidentPages(read(`${pid}/statm`)) * 4096).toBe(vmRss ? Number(/\d+/.exec(vmRss)![0]) * 1024 : 0);
  });

  it('the effective uid: the second of status Uid\'s four', () => {
    expect(parseStatusEffectiveUid(read('16713/status'))).toBe(0);
    expect(parseStatusEffectiveUid('Name:\tsu\nUid:\t1000\t0\t0\t1000\n')).toBe(0);
    expect(parseStatusEffectiveUid('Name:\tx\nUid:\t0\t1000\t1000\t1000\n')).toBe(1000);
    expect(() => parseStatusEffectiveUid('Name:\tx\n')).toThrow(/no Uid line/);
  });

  it('io: read_bytes and write_bytes, not rchar and wchar', () => {
    expect(parseIo(read('16715/io'))).toEqual({
      readBytes: Number(/^read_bytes: (\d+)$/m.exec(read('16715/io'))![1]),
      writeBytes: Number(/^write_bytes: (\d+)$/m.exec(read('16715/io'))![1]),
    });
    expect(parseIo(read('16715/io'))).toEqual({ readBytes: 782336, writeBytes: 12288 });
    expect(() => parseIo('rchar: 1\n')).toThrow(/no read_bytes line/);
  });

  it('cmdline: the arguments at their NULs, an argument with newlines whole; none for a kernel thread or a zombie', () => {
    expect(parseCmdline(read('16713/cmdline'))).toEqual(['sleep', '3000']);
    const python = parseCmdline(read('16715/cmdline'));
    expect(python).toHaveLength(3);
    expect(python[2]).toContain('\nctypes.CDLL(None)');
    expect(parseCmdline(read('2/cmdline'))).toEqual([]);
    expect(parseCmdline(read('16720/cmdline'))).toEqual([]);
    // A read cut mid-argument keeps what it has of it.
    expect(parseCmdline('node\0-e\0setInt')).toEqual(['node', '-e', 'setInt']);
  });

  it('statm: resident is its second number; an empty or non-numeric field throws, naming the line', () => {
    expect(parseStatmResidentPages('1000 250 100 10 0 300 0\n')).toBe(250);
    expect(() => parseStatmResidentPages('1000  250 100')).toThrow('not a statm line: "1000  250 100"');
    expect(() => parseStatmResidentPages('1000 x 100')).toThrow(/not a statm line/);
    const long = `1000 x ${'1 '.repeat(60)}`;
    expect(() => parseStatmResidentPages(long)).toThrow(`not a statm line: ${JSON.stringify(long.slice(0, 80))}`);
  });

  it('passwd: a line whose uid is empty names nobody (not uid 0)', () => {
    expect([...parsePasswd('nobodyhere:x::0::/:/bin/sh\nroot:x:0:0:root:/root:/bin/bash\n')]).toEqual([[0, 'root']]);
  });

  it('passwd: uid to name, the first entry of a uid winning; odd lines skipped', () => {
    const names = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\ntoor:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:notanumber:1::/:/bin/sh\n');
    expect([...names]).toEqual([[0, 'root'], [1000, 'alice']]);
  });

  it('the page size from the auxiliary vector is what getconf says', () => {
    const pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }));
    expect(pageSizeFromAuxv(readFileSync('/proc/self/auxv'), 8, true)).toBe(pageSize);
  });

  it('pageSizeFromAuxv in either word size and byte order; undefined without AT_PAGESZ', () => {
    const vector = (words: number[], size: 4 | 8, le: boolean) => {
      const buffer = Buffer.alloc(words.length * size);
      words.forEach((word, i) => {
        if (size === 4) (le ? buffer.writeUInt32LE(word, i * 4) : buffer.writeUInt32BE(word, i * 4));
        else (le ? buffer.writeBigUInt64LE(BigInt(word), i * 8) : buffer.writeBigUInt64BE(BigInt(word), i * 8));
      });
      return buffer;
    };
    // AT_HWCAP (16), AT_PAGESZ (6), AT_NULL (0)
    expect(pageSizeFromAuxv(vector([16, 99, 6, 65536, 0, 0], 8, false), 8, false)).toBe(65536);
    expect(pageSizeFromAuxv(vector([16, 99, 6, 16384, 0, 0], 4, true), 4, true)).toBe(16384);
    expect(pageSizeFromAuxv(vector([16, 99, 0, 0, 6, 4096], 8, true), 8, true)).toBeUndefined();
    // The last pair, with no AT_NULL after it (a vector cut where it was read), is read too; a half pair is not.
    expect(pageSizeFromAuxv(vector([16, 99, 6, 8192], 8, true), 8, true)).toBe(8192);
    expect(pageSizeFromAuxv(vector([16, 99, 6], 8, true), 8, true)).toBeUndefined();
  });
});
