/**
 * Threads that process.exit() would wait for. Node joins every worker thread on exit, and a thread blocked in the
 * kernel (statfs on a dead NFS or FUSE mount) is never joined: exit() then hangs, and only SIGKILL ends the process.
 * The shutdown waits here for them to end, and forces the exit when they do not.
 */
import type { Worker } from 'node:worker_threads';

const live = new Set<Worker>();
let ended: (() => void)[] = [];

/** Counts `worker` until its thread has ended. */
export function holdExit(worker: Worker): void {
  live.add(worker);
  worker.once('exit', () => {
    live.delete(worker);
    if (live.size > 0) return;
    for (const resolve of ended) resolve();
    ended = [];
  });
}

/** Resolves once no held thread is left (maybe never: a thread blocked in the kernel). */
export function exitHoldersEnded(): Promise<void> {
  if (live.size === 0) return Promise.resolve();
  return new Promise((resolve) => ended.push(resolve));
}
