import { readFileSync } from 'node:fs';

/** Kernel's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const USER_HZ = 100;

/** CPU seconds a process used, its own and its waited-for children's, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): { own: number; children: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = (index: number) => Number(fields[index - 3]);
  return { own: (ticks(14) + ticks(15)) / USER_HZ, children: (ticks(16) + ticks(17)) / USER_HZ };
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export function rssBytesOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}
