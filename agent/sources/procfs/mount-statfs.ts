/**
 * statfs of mounts, as node_exporter's stuck-mount handling and stricter. A call that outlives the timeout marks
 * its mount stuck: the mount is reported with an error and not statted again until that call returns, so a dead
 * mount holds one thread at most. Calls run on lanes (statfs-thread.ts: the first on libuv's pool, the others on
 * worker threads), never more than `maxThreads` at once: a healthy statfs takes microseconds, so one lane serves
 * every mount and another starts only while the others are held by slow calls.
 */
import type { MountReading } from '../types';
import type { StatfsResult, StatfsThread } from './statfs-thread';

export type MountStats = Pick<MountReading, 'stats' | 'error'>;

export interface MountStatfs {
  /** The mount's sizes, or why not; never rejects, and answers within the timeout (plus the wait for a thread). */
  stat(mountpoint: string): Promise<MountStats>;
  /** Ends every thread; calls not answered yet are answered with an error. */
  close(): void;
}

export interface MountStatfsOptions {
  /** How long one statfs may take before its mount is reported stuck (node_exporter's --collector.filesystem.mount-timeout). */
  timeoutMs: number;
  /** Threads at most, stuck ones included. */
  maxThreads: number;
  startThread: () => StatfsThread;
}

/**
 * node_exporter's device_error texts: one stable string for a mount that timed out or is still stuck (a label value
 * that changed between the two would start a new series), and the C library's text for an errno.
 */
export const MOUNT_TIMEOUT = 'mountpoint timeout';
/** Every thread is held by a stuck mount: the others wait for one to return, and say so meanwhile. */
export const NO_THREAD = 'no statfs thread free';

/** A call slower than this lets the next mounts go on to another thread: a healthy statfs takes microseconds. */
const SLOW_MS = 100;

function strerror(err: unknown): string {
  // Node's message is "EACCES: permission denied, statfs '/mnt/x'": keep "permission denied".
  const message = err instanceof Error ? err.message : String(err);
  const match = /^[A-Z0-9]+: ([^,]+),/.exec(message);
  if (match) return match[1]!;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : message;
}

/** As node_exporter's filesystem_linux.go: every size in units of f_bsize (Node's bsize), not f_frsize. */
function sizesOf(result: StatfsResult): MountReading['stats'] {
  return {
    sizeBytes: result.blocks * result.bsize,
    freeBytes: result.bfree * result.bsize,
    availBytes: result.bavail * result.bsize,
    files: result.files,
    filesFree: result.ffree,
  };
}

interface Job {
  mountpoint: string;
  answer(stats: MountStats): void;
}

interface Lane {
  thread: StatfsThread;
  /** The call it runs, until that call returns. */
  job?: Job;
  /** Running longer than SLOW_MS: the queue may start another thread. */
  slow: boolean;
  /** Past the timeout: the job has been answered, the thread waits for the kernel. */
  stuck: boolean;
  timers: NodeJS.Timeout[];
}

export function createMountStatfs({ timeoutMs, maxThreads, startThread }: MountStatfsOptions): MountStatfs {
  const lanes = new Set<Lane>();
  const queue: Job[] = [];
  /** Mountpoints with a call queued or running, stuck ones included. */
  const outstanding = new Set<string>();
  let closed = false;

  const idleLanes = () => [...lanes].filter((lane) => !lane.job);

  function freeLane(): Lane | undefined {
    const idle = idleLanes()[0];
    if (idle) return idle;
    if (lanes.size >= maxThreads || [...lanes].some((lane) => !lane.slow)) return undefined;
    const lane: Lane = { thread: startThread(), slow: false, stuck: false, timers: [] };
    lanes.add(lane);
    return lane;
  }

  function pump(): void {
    for (let lane = queue.length > 0 ? freeLane() : undefined; lane; lane = queue.length > 0 ? freeLane() : undefined) {
      run(lane, queue.shift()!);
    }
    if (lanes.size >= maxThreads && [...lanes].every((lane) => lane.stuck)) {
      for (const job of queue.splice(0)) {
        outstanding.delete(job.mountpoint);
        job.answer({ stats: null, error: NO_THREAD });
      }
    }
  }

  function run(lane: Lane, job: Job): void {
    Object.assign(lane, { job, slow: false, stuck: false });
    // The timeout counts the call, not the thread's start.
    void lane.thread.ready.then(() => !closed && call(lane, job));
  }

  function call(lane: Lane, job: Job): void {
    lane.timers = [
      setTimeout(() => {
        lane.slow = true;
        pump();
      }, Math.min(SLOW_MS, timeoutMs)),
      setTimeout(() => {
        lane.stuck = true;
        job.answer({ stats: null, error: MOUNT_TIMEOUT });
        pump();
      }, timeoutMs),
    ];
    const settle = (stats: MountStats) => {
      if (closed) return;
      for (const timer of lane.timers) clearTimeout(timer);
      job.answer(stats); // a no-op for a stuck job: its promise was settled at the timeout
      lane.job = undefined; // slow and stuck are reset when the lane runs its next job
      outstanding.delete(job.mountpoint);
      // One idle lane is enough, the oldest (the cheapest: the pool's); the ones started while others were slow end
      // once they are spare.
      for (const spare of idleLanes().slice(1)) {
        lanes.delete(spare);
        spare.thread.close();
      }
      pump();
    };
    new Promise<StatfsResult>((resolve) => resolve(lane.thread.statfs(job.mountpoint))).then(
      (result) => settle({ stats: sizesOf(result) }),
      (err: unknown) => settle({ stats: null, error: strerror(err) }),
    );
  }

  return {
    stat(mountpoint) {
      if (closed) return Promise.resolve({ stats: null, error: 'closed' });
      if (outstanding.has(mountpoint)) return Promise.resolve({ stats: null, error: MOUNT_TIMEOUT });
      outstanding.add(mountpoint);
      return new Promise<MountStats>((answer) => {
        queue.push({ mountpoint, answer });
        pump();
      });
    },
    close() {
      closed = true;
      // Stuck jobs are among them, answered already: their second answer is a no-op.
      const unanswered = [...queue.splice(0), ...[...lanes].flatMap((lane) => (lane.job ? [lane.job] : []))];
      for (const job of unanswered) job.answer({ stats: null, error: 'closed' });
      // The lanes stay as they are: once closed, nothing starts a call nor settles one.
      for (const lane of lanes) {
        for (const timer of lane.timers) clearTimeout(timer);
        lane.thread.close();
      }
    },
  };
}
