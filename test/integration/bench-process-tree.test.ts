/**
 * The bench measures and ends whole process trees (Netdata's plugins, npm's shell and agent): the tree it walks is the
 * one the kernel lists (/proc/<pid>/task/<pid>/children), and ending it leaves none of those processes running, even
 * the ones the ended parent leaves behind.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendantsOf } from '../../bench/procstat';
import { startProcess, stopProcessTree } from '../../bench/processes';
import { untilTrue } from '../helpers/until';

/** The kernel's own list of a process's children, recursively. */
function kernelTree(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...kernelTree(child)]);
}

/** Whether ps sees `pid` running (not absent, not a zombie). */
function running(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false; // ps exits 1 for no such process
  }
}

test('the tree walked is the kernel tree, and ending it ends every process of it', async () => {
  // A shell with a sleeping child and a child shell with one of its own; on SIGTERM the shell dies alone.
  const { child } = startProcess('/bin/sh', ['-c', 'sleep 120 & /bin/sh -c "sleep 120 & wait" & wait']);
  try {
    await untilTrue('three processes below the shell', async () => kernelTree(child.pid!).length === 3);
    const tree = kernelTree(child.pid!);
    expect(descendantsOf(child.pid!).sort()).toEqual([...tree].sort());

    await stopProcessTree(child);
    expect(tree.filter(running)).toEqual([]);
  } finally {
    await stopProcessTree(child);
  }
});
