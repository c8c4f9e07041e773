import { readdirSync, readFileSync } from 'node:fs';

/** Kernel's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
export const USER_HZ = 100;

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces: counted from after its ')'. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds a process used, its own and its waited-for children's, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): { own: number; children: number } {
  const fields = statFields(pid);
  const ticks = (index: number) => Number(fields[index - 3]);
  return { own: (ticks(14) + ticks(15)) / USER_HZ, children: (ticks(16) + ticks(17)) / USER_HZ };
}

/** Whether `pid` is alive and not a zombie waiting for its parent. */
export function isRunning(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The processes below `pid` that are alive now, children first; one that exits meanwhile is left out. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(statFields(Number(entry))[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone since the listing
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = queue.flatMap((p) => children.get(p) ?? []);
    found.push(...next);
    queue = next;
  }
  return found;
}

/**
 * CPU seconds of a process tree: utime+stime of the process, of its children it waited for (they count once they
 * end) and of every descendant alive now (agents with long-lived plugins, such as Netdata, would hide them otherwise).
 */
export function treeCpuSecondsOf(pid: number): number {
  const total = (p: number) => {
    const { own, children } = cpuSecondsOf(p);
    return own + children;
  };
  return descendantsOf(pid).reduce((sum, p) => {
    try {
      return sum + total(p);
    } catch {
      return sum; // ended since the walk: its parent's waited-for figure has it
    }
  }, total(pid));
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export function rssBytesOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** RSS summed over a process tree (pages the processes share count once per process). */
export function treeRssBytesOf(pid: number): number {
  return descendantsOf(pid).reduce((sum, p) => {
    try {
      return sum + rssBytesOf(p);
    } catch {
      return sum;
    }
  }, rssBytesOf(pid));
}

/** The highest RSS of `pid` seen while sampling every `everyMs` for `forMs`. */
export async function peakRssBytesOf(pid: number, forMs: number, everyMs = 250): Promise<number> {
  let peak = rssBytesOf(pid);
  for (const until = Date.now() + forMs; Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    peak = Math.max(peak, rssBytesOf(pid));
  }
  return peak;
}
