/**
 * The process table's walk of a procfs tree written here in the kernel's formats (bench/proc-tree.ts): which entries
 * are processes, batches with turns of the event loop between them, thread states, the kernel limits, and what it
 * does with files that cannot be read. Expected figures are counted from what the test wrote.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createProcessTable } from '../../agent/sources/procfs/process-table';
import { writeKernelLimits, writeProcess, type FakeProcess } from '../../bench/proc-tree';

const roots: string[] = [];
function tree(): { root: string; rootfs: string; table: ReturnType<typeof createProcessTable> } {
  const root = mkdtempSync(join(os.tmpdir(), 'hostfeed-table-'));
  const rootfs = mkdtempSync(join(os.tmpdir(), 'hostfeed-rootfs-'));
  roots.push(root, rootfs);
  writeKernelLimits(root, 32768, 1000);
  return { root, rootfs, table: createProcessTable({ root, rootfs, pageBytes: 4096, userHz: 100 }) };
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const fake = (pid: number, over: Partial<FakeProcess> = {}): FakeProcess => ({
  pid, name: `p${pid}`, state: 'S', utime: 1, stime: 1, startTicks: pid, rssPages: 1, uid: 0, argv: [`/bin/p${pid}`], ...over,
});
const none = () => [];

describe('the process table', () => {
  it('reads every numbered directory once, pids starting with 9 too, in batches with turns of the event loop between', async () => {
    const { root, table } = tree();
    const pids = Array.from({ length: 450 }, (_, i) => i + 1).concat([95_000]);
    for (const pid of pids) writeProcess(root, fake(pid));
    let turned = false;
    const reading = table.read(none);
    setImmediate(() => (turned = true));
    const { processes } = await reading;
    expect(turned).toBe(true);
    expect(processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual(pids);
  });

  it('leaves out entries that are not processes, even with a stat file in them', async () => {
    const { root, table } = tree();
    writeProcess(root, fake(7));
    for (const name of ['12x', 'x12', 'self', '1.5']) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'stat'), `12 (impostor) S ${'0 '.repeat(50)}\n`);
    }
    expect((await table.read(none)).processes.map((p) => p.pid)).toEqual([7]);
  });

  it("counts a single-threaded process's state without its task/ directory, and a thread group's main thread as the process", async () => {
    const { root, table } = tree();
    writeProcess(root, fake(10, { state: 'R' }));
    rmSync(join(root, '10/task'), { recursive: true });
    writeProcess(root, fake(20, { state: 'S', otherThreads: ['D', 'R'] }));
    // The main thread's own task file says otherwise: the process's state is the one counted, as node_exporter does.
    writeFileSync(join(root, '20/task/20/stat'), `20 (p20) Z ${'0 '.repeat(50)}\n`);
    expect((await table.read(none)).threadStates).toEqual({ R: 2, S: 1, D: 1 });
  });

  it('kernel limits that are no positive whole number fail the read, naming the file and the text', async () => {
    for (const text of ['0', '-5', '1.5', 'abc']) {
      const { root, table } = tree();
      writeFileSync(join(root, 'sys/kernel/pid_max'), `${text}\n`);
      await expect(table.read(none)).rejects.toThrow(`couldn't parse ${root}/sys/kernel/pid_max: not a positive whole number: ${JSON.stringify(text)}`);
    }
  });

  it('a stat that cannot be read for another reason than the process being gone fails, with the cause', async () => {
    const { root, table } = tree();
    writeProcess(root, fake(30));
    rmSync(join(root, '30/stat'));
    mkdirSync(join(root, '30/stat')); // EISDIR
    const failure = await table.read(none).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(new RegExp(`^couldn't read ${root}/30/stat: EISDIR`));
    expect(((failure as Error).cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it("a stat that does not parse fails with the parser's error as its cause", async () => {
    const { root, table } = tree();
    writeProcess(root, fake(31));
    writeFileSync(join(root, '31/stat'), 'garbage');
    const failure = (await table.read(none).catch((err: Error) => err)) as Error;
    expect(failure.message).toBe(`couldn't parse ${root}/31/stat: not a stat line: "garbage"`);
    expect((failure.cause as Error).message).toBe('not a stat line: "garbage"');
  });

  it("a task/ that is no directory fails the read; one gone since the stat is skipped", async () => {
    const { root, table } = tree();
    writeProcess(root, fake(40, { otherThreads: ['S'] }));
    rmSync(join(root, '40/task'), { recursive: true });
    writeFileSync(join(root, '40/task'), '');
    const failure = (await table.read(none).catch((err: Error) => err)) as Error;
    expect(failure.message).toMatch(new RegExp(`^couldn't list ${root}/40/task: ENOTDIR`));
    expect((failure.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    rmSync(join(root, '40/task'));
    expect((await table.read(none)).threadStates).toEqual({});
  });

  it('reads passwd once: a user added later shows as its uid until the agent restarts', async () => {
    const { root, rootfs, table } = tree();
    mkdirSync(join(rootfs, 'etc'));
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    writeProcess(root, fake(50, { uid: 1001 }));
    const pick = () => [50];
    expect((await table.read(pick)).details[0]!.user).toBe('1001');
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\ncarol:x:1001:1001::/home/carol:/bin/sh\n');
    expect((await table.read(pick)).details[0]!.user).toBe('1001');
  });

  it('closes every file it opens', async () => {
    const { root, table } = tree();
    for (let pid = 1; pid <= 20; pid++) writeProcess(root, fake(pid));
    const all = (processes: readonly { pid: number }[]) => processes.map((p) => p.pid);
    await table.read(all);
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 5; i++) await table.read(all);
    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });
});
